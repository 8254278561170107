import WebSocket from 'ws';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Message = Record<string, any>;

export interface TestClient {
  socket: WebSocket;
  messages: Message[];
  send(message: unknown): void;
  /** The next message (after those already taken) matching `predicate`, or a failure after `timeoutMs`. */
  next(predicate?: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** A real `ws` client that records every message it receives. */
export async function openClient(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  const socket = new WebSocket(url, options);
  const messages: Message[] = [];
  let taken = 0;
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse((data as Buffer).toString()) as Message);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      for (const wake of waiters) wake();
      resolve({ code, reason: reason.toString() });
    });
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });

  async function next(predicate: (message: Message) => boolean = () => true, timeoutMs = 2_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (taken < messages.length) {
        const message = messages[taken]!;
        taken += 1;
        if (predicate(message)) return message;
      }
      const left = deadline - Date.now();
      if (left <= 0 || socket.readyState === WebSocket.CLOSED) {
        throw new Error(`no matching message within ${timeoutMs} ms; received ${JSON.stringify(messages)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  }

  return {
    socket,
    messages,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next,
    closed,
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) {
        socket.close();
        await closed;
      }
    },
  };
}

/** Opens a client and completes the auth handshake. @throws when the service refuses the token. */
export async function authedClient(url: string, token: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
  const client = await openClient(url, options);
  client.send({ type: 'auth', token });
  const reply = await client.next((message) => message.type === 'auth');
  if (reply.status !== 'success') throw new Error(`auth refused: ${JSON.stringify(reply)}`);
  return client;
}
