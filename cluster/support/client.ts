import { randomInt, randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/** A private address no other test or run is likely to claim, as a client's X-Forwarded-For. */
export const randomClientAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/**
 * The client address this test file's requests claim (X-Forwarded-For, which the instances trust from
 * loopback, and nginx passes on): each file, and each run, counts against rate limits of its own. With
 * Redis the counters outlive a run, and a second run within the minute would otherwise meet the first
 * one's sign-in limit. A request that sets its own X-Forwarded-For keeps it.
 */
export const CLIENT_ADDRESS = randomClientAddress();

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** One JSON request to `baseUrl + path` (a balancer or an instance), as a client of the bank would send it. */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  path: string,
  options: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const response = await fetch(baseUrl + path, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      'x-forwarded-for': CLIENT_ADDRESS,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

export interface ClusterUser {
  id: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  accountId: string;
}

/**
 * Signs a new customer up and logs them in through `baseUrl`.
 * @throws Error with the answer when either step fails.
 */
export async function signUp(baseUrl: string, headers: Record<string, string> = {}): Promise<ClusterUser> {
  const email = `cluster-${randomUUID()}@example.com`;
  const password = 'correct horse battery';
  const signup = await call<{ id: string; account: { id: string } }>(baseUrl, '/api/users/signup', {
    body: { name: 'Cluster User', email, password },
    headers,
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  const login = await call<{ token: string; refreshToken: string }>(baseUrl, '/api/users/login', { body: { email, password }, headers });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return {
    id: signup.body.id,
    email,
    password,
    token: login.body.token,
    refreshToken: login.body.refreshToken,
    accountId: signup.body.account.id,
  };
}

export interface OpenSocket {
  socket: WebSocket;
  /** Resolves with the close code and when (performance.now()) the close was seen. */
  closed: Promise<{ code: number; at: number }>;
  frames: Record<string, unknown>[];
}

/**
 * Opens a socket on `wsUrl` and authenticates it with `token`.
 * @throws Error when the upgrade fails or authentication is refused.
 */
export async function openSocket(wsUrl: string, token: string): Promise<OpenSocket> {
  const socket = new WebSocket(wsUrl);
  const frames: Record<string, unknown>[] = [];
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    socket.once('close', (code) => resolve({ code, at: performance.now() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'auth', token })));
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type !== 'auth') return;
      if (frame.status === 'success') resolve();
      else reject(new Error(`socket auth refused: ${JSON.stringify(frame)}`));
    });
    void closed.then(({ code }) => reject(new Error(`socket closed with ${code} before auth`)));
  });
  return { socket, closed, frames };
}
