import http from 'node:http';

export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * A minimal JSON client over keep-alive sockets: the load generator shares the machine with the
 * server, so it should cost as little as possible per request (no fetch/undici stream machinery).
 */
export function createJsonClient(baseUrl: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const { hostname, port } = new URL(baseUrl);

  function request(method: string, path: string, body?: unknown, token?: string): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (token) headers.authorization = `Bearer ${token}`;
    return new Promise((resolve, reject) => {
      const req = http.request({ agent, hostname, port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: keep the text for the error message.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** POSTs and returns the body, or throws with the status and body unless the status is `expected`. */
  async function post<T>(path: string, body: unknown, expected: number, token?: string): Promise<T> {
    const response = await request('POST', path, body, token);
    if (response.status !== expected) {
      throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body as T;
  }

  return { request, post, close: () => agent.destroy() };
}

export type JsonClient = ReturnType<typeof createJsonClient>;
