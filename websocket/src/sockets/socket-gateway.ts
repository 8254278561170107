import type { Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type { RegisteredSocket } from '../services/socket-registry';
import { CLOSE, WS_PATH } from './close-codes';
import { handleConnection, type ConnectionDeps } from './connection';

// Sockets still open this long after the 1001 close frame are cut.
const CLOSE_GRACE_MS = 2_000;
// Session re-checks in flight at once, so a sweep over thousands of sockets does not flood bank-core.
const SESSION_CHECK_CONCURRENCY = 8;

/**
 * The WebSocket side of the one HTTP server: upgrades on WS_PATH, the heartbeat that drops sockets
 * which stopped answering pings, and the periodic sweep that ends sockets whose login session was revoked.
 */
export function createSocketGateway({ server, ...deps }: ConnectionDeps & { server: Server }) {
  const { settings, logger, sessionChecker, registry } = deps;
  const wss = new WebSocketServer({ server, path: WS_PATH, maxPayload: settings.maxPayloadBytes });
  const alive = new WeakMap<WebSocket, boolean>();

  wss.on('connection', (socket, request) => {
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
    handleConnection(socket, request, deps);
  });
  wss.on('error', (error) => logger.error('websocket server error', { error }));

  const heartbeat = setInterval(() => {
    for (const socket of wss.clients) {
      if (!alive.get(socket)) {
        logger.info('terminating a socket that missed its heartbeat');
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, settings.heartbeatIntervalMs);

  let sweeping = false;
  async function recheckSessions(): Promise<void> {
    if (sweeping) return;
    sweeping = true;
    try {
      const bySession = new Map<string, RegisteredSocket[]>();
      for (const socket of registry.all()) {
        const list = bySession.get(socket.sessionId);
        if (list) list.push(socket);
        else bySession.set(socket.sessionId, [socket]);
      }
      const sessions = [...bySession.values()];
      const worker = async () => {
        for (let sockets = sessions.pop(); sockets !== undefined; sockets = sessions.pop()) {
          const [first] = sockets;
          if (!first || (await sessionChecker.check(first.sessionId, first.userId, { fresh: true })) !== 'inactive') continue;
          for (const socket of sockets) {
            socket.end(CLOSE.UNAUTHORIZED, 'Session has ended', { type: 'session.expired', reason: 'revoked' });
          }
        }
      };
      await Promise.all(Array.from({ length: SESSION_CHECK_CONCURRENCY }, worker));
    } finally {
      sweeping = false;
    }
  }
  const sessionSweep = setInterval(() => {
    recheckSessions().catch((error: unknown) => logger.error('session re-check failed', { error }));
  }, settings.sessionCheckIntervalMs);

  return {
    wss,
    get socketCount() {
      return wss.clients.size;
    },
    /** Sends 1001 to every socket, waits briefly for them to go, then cuts the rest. */
    async close(): Promise<void> {
      clearInterval(heartbeat);
      clearInterval(sessionSweep);
      const sockets = [...wss.clients];
      const gone = sockets.map((socket) =>
        socket.readyState === WebSocket.CLOSED ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve())),
      );
      for (const socket of sockets) socket.close(CLOSE.GOING_AWAY, 'Server shutting down');
      const timer = setTimeout(() => sockets.forEach((socket) => socket.terminate()), CLOSE_GRACE_MS);
      await Promise.all(gone);
      clearTimeout(timer);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

export type SocketGateway = ReturnType<typeof createSocketGateway>;
