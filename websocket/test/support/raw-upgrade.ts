import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface RawConnection {
  /** The HTTP status of the answer to the upgrade request (101 when the socket was accepted). */
  status: number;
  headers: Record<string, string>;
  /** The response body of a refused upgrade. */
  body: string;
  /** Every byte received after the response head (for 101: the server's WebSocket frames). */
  received: () => Buffer;
  /** Resolves with the milliseconds from the upgrade request to the server closing the TCP connection. */
  closed: Promise<number>;
  destroy(): void;
}

/**
 * A hostile client: sends a WebSocket upgrade request over plain TCP, then never writes another byte,
 * not even the reply to a close frame (a `ws` client would answer it at once). It keeps reading, so
 * the server's frames and its closing of the connection are seen.
 */
export function rawUpgrade(
  wsUrl: string,
  { localAddress, headers = {} }: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<RawConnection> {
  const url = new URL(wsUrl);
  const socket = net.connect({ host: url.hostname, port: Number(url.port), ...(localAddress ? { localAddress } : {}) });
  const started = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  socket.on('error', () => undefined);
  const request = [
    `GET ${url.pathname} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  socket.write(request);

  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    let head: { status: number; headers: Record<string, string>; bodyStart: number } | undefined;
    const answer = () => {
      if (!head) return;
      const { status, headers: responseHeaders, bodyStart } = head;
      resolve({
        status,
        headers: responseHeaders,
        body: status === 101 ? '' : data.subarray(bodyStart).toString(),
        received: () => data.subarray(bodyStart),
        closed,
        destroy: () => socket.destroy(),
      });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (head) return;
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine = '', ...lines] = data.subarray(0, end).toString().split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      head = { status: Number(statusLine.split(' ')[1]), headers: parsed, bodyStart: end + 4 };
      // A refusal's body ends with the connection; an accepted socket is answered at once.
      if (head.status === 101) answer();
    });
    void closed.then(() => (head ? answer() : reject(new Error('connection closed before an HTTP answer'))));
  });
}

/** The code of the close frame among the server's (unmasked) frames in `bytes`, if one is there. */
export function closeCodeOf(bytes: Buffer): number | undefined {
  for (let at = 0; at + 2 <= bytes.length;) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (opcode === 0x8) return length >= 2 ? bytes.readUInt16BE(start) : undefined;
    at = start + length;
  }
  return undefined;
}
