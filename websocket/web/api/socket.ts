/** A frame from the websocket service (websocket/docs/protocol.md). */
export type ServerFrame = { type: string; correlationId?: string | null; [key: string]: unknown };

export type SocketStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';

// Frames queued while the socket is (re)connecting; beyond this the oldest are dropped.
const MAX_QUEUED = 50;
const ACK_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 10_000;

/**
 * The page's one authenticated socket to this origin's /ws. It authenticates with the in-memory
 * access token, reconnects with backoff, refreshes the token when the service says it expired
 * (close 4401), and queues frames sent meanwhile. `track` sends a frame with a correlation id and
 * resolves on its `ack` (or the answer of the same id), so the page can say "delivered".
 */
export function createLiveSocket(options: {
  wsPath: string;
  token: () => string | null;
  refresh: () => Promise<boolean>;
  onFrame: (frame: ServerFrame) => void;
  onStatus: (status: SocketStatus) => void;
}) {
  let socket: WebSocket | null = null;
  let stopped = false;
  let live = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const queue: string[] = [];
  const waiting = new Map<string, { resolve: (frame: ServerFrame) => void; reject: (error: Error) => void }>();

  function connect() {
    if (stopped) return;
    options.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    const url = new URL(options.wsPath, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const current = new WebSocket(url);
    socket = current;
    current.addEventListener('open', () => current.send(JSON.stringify({ type: 'auth', token: options.token() ?? '' })));
    current.addEventListener('message', (event: MessageEvent<string>) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === 'auth' && frame.status === 'success') {
        live = true;
        attempt = 0;
        options.onStatus('live');
        for (const text of queue.splice(0)) current.send(text);
      }
      const pending = frame.correlationId ? waiting.get(frame.correlationId) : undefined;
      if (pending && frame.correlationId) {
        waiting.delete(frame.correlationId);
        if (frame.type === 'error') pending.reject(new Error(String(frame.message)));
        else pending.resolve(frame);
      }
      options.onFrame(frame);
    });
    current.addEventListener('close', (event) => {
      if (socket !== current) return;
      socket = null;
      live = false;
      if (stopped) return;
      void (async () => {
        // 4401: the access token expired or the session ended; a refresh tells which.
        if (event.code === 4401 && !(await options.refresh())) {
          options.onStatus('ended');
          return;
        }
        attempt += 1;
        options.onStatus('reconnecting');
        timer = setTimeout(connect, Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt));
      })();
    });
  }

  function send(frame: Record<string, unknown>): void {
    const text = JSON.stringify(frame);
    if (live && socket?.readyState === WebSocket.OPEN) socket.send(text);
    else {
      queue.push(text);
      if (queue.length > MAX_QUEUED) queue.shift();
    }
  }

  return {
    start: connect,
    send,
    /** Sends with a fresh correlation id; resolves with the server's acknowledgement. @throws on an error frame or timeout. */
    track(frame: Record<string, unknown>): Promise<ServerFrame> {
      const correlationId = crypto.randomUUID();
      return new Promise<ServerFrame>((resolve, reject) => {
        const timeout = setTimeout(() => {
          waiting.delete(correlationId);
          reject(new Error('No answer from the service; try again'));
        }, ACK_TIMEOUT_MS);
        waiting.set(correlationId, {
          resolve: (answer) => {
            clearTimeout(timeout);
            resolve(answer);
          },
          reject: (error) => {
            clearTimeout(timeout);
            reject(error);
          },
        });
        send({ ...frame, correlationId });
      });
    },
    /** Closes for good (sign-out): nothing queued is sent, nothing reconnects. */
    stop() {
      stopped = true;
      clearTimeout(timer);
      queue.length = 0;
      for (const pending of waiting.values()) pending.reject(new Error('Signed out'));
      waiting.clear();
      socket?.close(1000, 'sign-out');
      socket = null;
    },
  };
}

export type LiveSocket = ReturnType<typeof createLiveSocket>;
