import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { SessionEnd } from '@bank/common';
import { AppError } from '../errors/app-error';
import type { BankCoreBreaker } from '../services/bank-core-breaker';
import { HTTP_STATUS } from '../middlewares/error-handler.middleware';
import type { RegisteredSocket } from '../services/socket-registry';
import { createThrottledWarning } from '../utils/throttled-warning';
import type { Admission } from './admission';
import { CLOSE, CLOSE_GRACE_MS, WS_PATH } from './close-codes';
import { handleConnection, type ConnectionDeps } from './connection';

// Session re-checks in flight at once, so a sweep over thousands of sockets does not flood bank-core.
const SESSION_CHECK_CONCURRENCY = 8;

/**
 * Answers an upgrade request with an HTTP error in the common body shape, before any handshake,
 * and closes the connection.
 */
function refuseUpgrade(socket: Duplex, request: IncomingMessage, error: AppError): void {
  const status = HTTP_STATUS[error.code];
  const requestId = randomUUID(); // this service's own id for the refused request, as for every other request
  const body = JSON.stringify({ error: { code: error.code, message: error.message, requestId } });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    ...(error.retryAfterSeconds ? [`Retry-After: ${error.retryAfterSeconds}`] : []),
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * The WebSocket side of the one HTTP server: upgrades on WS_PATH (admitted within the caps on
 * unauthenticated connections), the heartbeat that drops sockets which stopped answering pings, the
 * periodic sweep that ends sockets whose login session was revoked, and the bounded grace given to
 * authenticated sockets while bank-core cannot confirm sessions: `outageGraceMs` after the breaker
 * opens, if it has not closed again, every authenticated socket is closed with 1013.
 */
export function createSocketGateway({
  server,
  admission,
  clientAddress,
  breaker,
  outageGraceMs,
  ...deps
}: Omit<ConnectionDeps, 'slot' | 'address'> & {
  server: Server;
  admission: Admission;
  clientAddress: (request: IncomingMessage) => string;
  breaker: BankCoreBreaker;
  outageGraceMs: number;
}) {
  const { settings, logger, sessionChecker, registry } = deps;
  // noServer: the upgrade is ours to answer, so an excess connection is refused before the handshake.
  const wss = new WebSocketServer({ noServer: true, path: WS_PATH, maxPayload: settings.maxPayloadBytes });
  const alive = new WeakMap<WebSocket, boolean>();
  const warnRefused = createThrottledWarning(logger, 'refusing websocket connections');

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // Another path: ws answers 400.
    if (!wss.shouldHandle(request)) return wss.handleUpgrade(request, socket, head, () => undefined);
    const address = clientAddress(request);
    let slot;
    try {
      slot = admission.admit(address);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      warnRefused({ address, reason: error.message, ...admission.counts() });
      return refuseUpgrade(socket, request, error);
    }
    // Whatever ends the connection (a failed handshake included) gives the place back.
    socket.once('close', () => slot.release());
    wss.handleUpgrade(request, socket, head, (ws) => {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
      handleConnection(ws, { ...deps, admission, slot, address });
    });
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

  const endSession = (socket: RegisteredSocket) =>
    socket.end(CLOSE.UNAUTHORIZED, 'Session has ended', { type: 'session.expired', reason: 'revoked' });

  /** Asks bank-core afresh about the sessions of `sockets` and ends those whose session has ended. */
  async function checkSessions(sockets: Iterable<RegisteredSocket>): Promise<void> {
    const bySession = new Map<string, RegisteredSocket[]>();
    for (const socket of sockets) {
      const list = bySession.get(socket.sessionId);
      if (list) list.push(socket);
      else bySession.set(socket.sessionId, [socket]);
    }
    const sessions = [...bySession.values()];
    const worker = async () => {
      for (let group = sessions.pop(); group !== undefined; group = sessions.pop()) {
        const [first] = group;
        if (!first || (await sessionChecker.check(first.sessionId, first.userId, { fresh: true })) !== 'inactive') continue;
        group.forEach(endSession);
      }
    };
    await Promise.all(Array.from({ length: SESSION_CHECK_CONCURRENCY }, worker));
  }

  let sweeping = false;
  async function recheckSessions(): Promise<void> {
    if (sweeping) return;
    sweeping = true;
    try {
      await checkSessions(registry.all());
    } finally {
      sweeping = false;
    }
  }
  const logFailure = (error: unknown) => logger.error('session re-check failed', { error });
  const sessionSweep = setInterval(() => {
    recheckSessions().catch(logFailure);
  }, settings.sessionCheckIntervalMs);

  // No session can be confirmed while the breaker is open, so none can be seen revoked either: a socket is
  // kept only as long as the grace, and every client then reconnects (and is refused until bank-core answers).
  let outageTimer: NodeJS.Timeout | undefined;
  const stopWatchingBreaker = breaker.onChange((state) => {
    if (state === 'closed') {
      clearTimeout(outageTimer);
      outageTimer = undefined;
    } else if (state === 'open' && outageTimer === undefined) {
      outageTimer = setTimeout(() => {
        const sockets = [...registry.all()];
        logger.warn('closing authenticated sockets: bank-core has not answered within the grace', {
          sockets: sockets.length,
          outageGraceMs,
        });
        const notice = { type: 'error', code: 'SERVICE_UNAVAILABLE', message: 'The bank cannot be reached; reconnect shortly' };
        for (const socket of sockets) socket.end(CLOSE.TRY_AGAIN_LATER, 'Try again later', notice);
      }, outageGraceMs);
    }
  });

  return {
    wss,
    get socketCount() {
      return wss.clients.size;
    },
    /**
     * A session end bank-core announced (Redis): the session's sockets (or all of the user's) close at once
     * with 4401; after a role change they stay, and their sessions are asked again for the new role.
     */
    sessionEnded(end: SessionEnd): void {
      const ended = end.reason !== 'role-change';
      sessionChecker.forget(end, { ended });
      const sockets = registry.socketsOf(end.userId).filter((socket) => !end.sessionId || socket.sessionId === end.sessionId);
      if (ended) sockets.forEach(endSession);
      else checkSessions(sockets).catch(logFailure);
    },
    /** Every socket's session asked again now (announcements may have been missed while Redis was away). */
    recheckAll(): void {
      sessionChecker.forgetAll();
      recheckSessions().catch(logFailure);
    },
    /** Sends 1001 to every socket, waits briefly (CLOSE_GRACE_MS) for them to go, then cuts the rest. */
    async close(): Promise<void> {
      clearInterval(heartbeat);
      clearInterval(sessionSweep);
      clearTimeout(outageTimer);
      stopWatchingBreaker();
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
