import { randomUUID } from 'node:crypto';
import WebSocket, { type RawData } from 'ws';
import { InvalidTokenError, type AccessClaims, type AccessTokens, type Logger } from '@bank/common';
import type { Config } from '../config/config';
import { AppError, issuesToDetails, type ErrorCode, type FieldIssue } from '../errors/app-error';
import type { ActivityKind, ActivityLog, RecordResult } from '../services/activity-log.service';
import type { ChatService } from '../services/chat.service';
import type { SessionChecker } from '../services/session-check.service';
import type { RegisteredSocket, SocketRegistry } from '../services/socket-registry';
import { createTokenBucket } from '../utils/token-bucket';
import { clientFrameSchema, correlationIdOf, MAX_FRAME_DEPTH, nestsDeeperThan } from '../validations/frame.validation';
import type { Admission, AdmissionSlot } from './admission';
import { CLOSE, CLOSE_GRACE_MS } from './close-codes';

export interface ConnectionDeps {
  settings: Config['sockets'];
  logger: Logger;
  accessTokens: AccessTokens;
  sessionChecker: SessionChecker;
  activity: ActivityLog;
  registry: SocketRegistry;
  admission: Admission;
  /** This connection's place among the unauthenticated ones, given back once it authenticates. */
  slot: AdmissionSlot;
  /** The client address (TRUST_PROXY applied) the slot was counted against. */
  address: string;
  chat: ChatService;
}

// A client that stops reading while events keep coming would make this process buffer them without
// bound; past this much queued output the socket is cut (a close frame would only queue behind it).
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** The error frame for an event that was refused a place in the activity files. */
const NOT_RECORDED: Record<Exclude<RecordResult, 'written'>, { code: ErrorCode; message: string }> = {
  'over-quota': { code: 'RATE_LIMITED', message: 'Activity quota used up; this event was not recorded' },
  'over-budget': { code: 'SERVICE_UNAVAILABLE', message: 'Activity storage is full; this event was not recorded' },
};
const UNCONFIRMED_MESSAGE = 'The bank cannot confirm your session right now; try again shortly';
// setTimeout's limit; tokens live at most a day, this only guards against a far-future exp.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One client connection: the auth handshake, then frames. Frames are handled one after another in
 * arrival order (a promise chain), so a client may send its first event right behind its auth
 * frame; the rate limit is applied on arrival, before anything is queued.
 */
export function handleConnection(socket: WebSocket, deps: ConnectionDeps): void {
  const { settings, logger, accessTokens, sessionChecker, activity, registry, admission, slot, address, chat } = deps;
  const connectionId = randomUUID();
  const bucket = createTokenBucket({ ratePerSecond: settings.ratePerSecond, burst: settings.rateBurst });
  let auth: AccessClaims | undefined;
  let ending = false;
  let refusedInRow = 0;
  let queue: Promise<void> = Promise.resolve();
  let expiryTimer: NodeJS.Timeout | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  let failure: string | undefined;

  const sendText = (text: string) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      logger.warn('terminating a socket that does not read its messages', {
        connectionId,
        userId: auth?.userId,
        buffered: socket.bufferedAmount,
      });
      failure = 'SLOW_CONSUMER';
      socket.terminate();
      return;
    }
    socket.send(text);
  };
  const send = (message: unknown) => sendText(JSON.stringify(message));
  /** Sends the close frame, and cuts the connection if the client has not answered it within CLOSE_GRACE_MS. */
  const end = (code: number, reason: string, notice?: unknown) => {
    if (ending) return;
    ending = true;
    if (notice !== undefined) send(notice);
    socket.close(code, reason);
    graceTimer = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
  };
  const registered: RegisteredSocket = {
    connectionId,
    get sessionId() {
      return auth?.sessionId ?? '';
    },
    get userId() {
      return auth?.userId ?? '';
    },
    // The role bank-core reports for the session now (checked at auth and every WS_SESSION_CHECK_INTERVAL_MS,
    // and at once when a session-end notice arrives), never the token's claim.
    get role() {
      return auth ? (sessionChecker.roleOf(auth.sessionId) ?? 'customer') : 'customer';
    },
    sendText,
    end,
  };

  /** A line this connection caused, charged to its user's quota (before auth, to its address's). */
  const record = (kind: ActivityKind, type: string, data: unknown, correlationId?: string, requestId?: string): RecordResult =>
    activity.recordClient(
      kind,
      {
        time: new Date().toISOString(),
        userId: auth?.userId ?? null,
        connectionId,
        correlationId: correlationId ?? null,
        ...(requestId ? { requestId } : {}),
        type,
        data,
      },
      auth ? `user:${auth.userId}` : `address:${address}`,
    );

  /** Answers with an error frame and logs it to errors.txt; before authentication it also ends the connection. */
  const refuse = (code: ErrorCode, message: string, extra: { details?: FieldIssue[]; correlationId?: string } = {}) => {
    send({ type: 'error', code, message, ...extra });
    record('errors', 'frame.rejected', { code, message, ...(extra.details ? { details: extra.details } : {}) }, extra.correlationId);
    if (!auth) end(CLOSE.UNAUTHORIZED, 'Authentication required');
  };

  const authTimer = setTimeout(() => {
    record('errors', 'auth.timeout', { timeoutMs: settings.authTimeoutMs });
    end(CLOSE.AUTH_TIMEOUT, 'Authentication timeout', { type: 'error', code: 'UNAUTHORIZED', message: 'No auth message in time' });
  }, settings.authTimeoutMs);

  const authFailed = (message: string) => {
    send({ type: 'auth', status: 'error', message });
    record('errors', 'auth.failed', { message });
    end(CLOSE.UNAUTHORIZED, 'Authentication failed');
  };

  async function authenticate(token: string): Promise<void> {
    let claims: AccessClaims;
    try {
      claims = accessTokens.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) return authFailed(error.message);
      throw error;
    }
    const session = await sessionChecker.check(claims.sessionId, claims.userId, { fresh: true });
    if (ending) return;
    if (session === 'inactive') return authFailed('Session has ended; log in again');
    if (session === 'unknown') {
      // Not failing open: a session bank-core cannot confirm might have been ended (a logout, a stolen
      // refresh token revoked), and the page can do nothing useful without bank-core anyway. The client
      // reconnects with backoff; Retry-After says when bank-core is next worth asking.
      const retryAfterSeconds = sessionChecker.retryAfterSeconds();
      // Debug only: during an outage every reconnecting page lands here; the session checker logs the cause.
      logger.debug('refusing a socket: bank-core could not confirm the session', { connectionId, userId: claims.userId });
      send({ type: 'auth', status: 'error', code: 'SERVICE_UNAVAILABLE', message: UNCONFIRMED_MESSAGE, retryAfterSeconds });
      record('errors', 'auth.failed', { code: 'SERVICE_UNAVAILABLE', message: UNCONFIRMED_MESSAGE });
      return end(CLOSE.TRY_AGAIN_LATER, 'Try again later');
    }
    if (registry.countOf(claims.userId) >= settings.maxSocketsPerUser) {
      admission.refuseUser();
      logger.warn('refusing a socket over the per-user limit', { connectionId, userId: claims.userId, address });
      send({ type: 'auth', status: 'error', message: `Too many open connections for this user (at most ${settings.maxSocketsPerUser})` });
      return end(CLOSE.TOO_MANY_CONNECTIONS, 'Too many connections');
    }
    auth = claims;
    clearTimeout(authTimer);
    slot.release();
    registry.add(claims.userId, registered);
    const expiresInMs = Math.min(MAX_TIMER_MS, Math.max(0, claims.expiresAt.getTime() - Date.now()));
    expiryTimer = setTimeout(() => end(CLOSE.UNAUTHORIZED, 'Access token expired', { type: 'session.expired' }), expiresInMs);
    send({ type: 'auth', status: 'success', userId: claims.userId });
    logger.info('socket authenticated', { connectionId, userId: claims.userId });
  }

  async function handleFrame(raw: RawData, isBinary: boolean): Promise<void> {
    if (ending) return;
    if (isBinary) return refuse('UNSUPPORTED_FRAME', 'Binary frames are not supported; send JSON text');
    let value: unknown;
    try {
      // The socket keeps ws's default binaryType (nodebuffer): a message arrives as one Buffer.
      value = JSON.parse((raw as Buffer).toString());
    } catch {
      return refuse('MALFORMED_JSON', 'Message is not valid JSON');
    }
    const correlationId = correlationIdOf(value);
    // Bounded before validation: zod validates nested JSON recursively and would overflow the stack.
    if (nestsDeeperThan(value, MAX_FRAME_DEPTH)) {
      return refuse('VALIDATION', 'Invalid message', {
        details: [{ path: 'frame', message: `Nested more than ${MAX_FRAME_DEPTH} levels deep` }],
        ...(correlationId ? { correlationId } : {}),
      });
    }
    const parsed = clientFrameSchema.safeParse(value, { reportInput: true });
    if (!parsed.success) {
      return refuse('VALIDATION', 'Invalid message', {
        details: issuesToDetails('frame', parsed.error.issues),
        ...(correlationId ? { correlationId } : {}),
      });
    }
    const frame = parsed.data;
    if (!auth) {
      if (frame.type !== 'auth') return refuse('UNAUTHORIZED', 'Authenticate first with {"type":"auth","token":"<access token>"}');
      return authenticate(frame.token);
    }
    switch (frame.type) {
      case 'auth':
        return refuse('VALIDATION', 'Already authenticated');
      case 'ping':
        return send({ type: 'pong' });
      case 'event.interaction':
      case 'event.error': {
        const kind = frame.type === 'event.interaction' ? 'interactions' : 'errors';
        const result = record(kind, frame.type, frame.data, frame.correlationId, frame.requestId);
        const correlation = frame.correlationId ? { correlationId: frame.correlationId } : {};
        // Refusals are counted in /healthz, not written: a line per refusal would spend the space the limit protects.
        if (result !== 'written') return send({ type: 'error', ...NOT_RECORDED[result], ...correlation });
        return send({ type: 'ack', of: frame.type, correlationId: frame.correlationId ?? null });
      }
      default:
        try {
          // Staff rights come from the role bank-core reports for the session now, never the token's claim.
          const role = sessionChecker.roleOf(auth.sessionId) ?? 'customer';
          return await chat.handle({ userId: auth.userId, role, connectionId, send }, frame);
        } catch (error) {
          if (error instanceof AppError)
            return refuse(error.code, error.message, frame.correlationId ? { correlationId: frame.correlationId } : {});
          throw error;
        }
    }
  }

  socket.on('message', (raw, isBinary) => {
    if (ending) return;
    if (!bucket.take()) {
      refusedInRow += 1;
      // One line per flood, not one per refused message: a flood must not fill the disk.
      if (refusedInRow === 1) record('errors', 'frame.rejected', { code: 'RATE_LIMITED', message: 'Too many messages' });
      send({ type: 'error', code: 'RATE_LIMITED', message: 'Too many messages; slow down' });
      if (refusedInRow >= settings.rateCloseAfter) {
        logger.warn('closing a flooding socket', { connectionId, userId: auth?.userId });
        end(CLOSE.POLICY_VIOLATION, 'Rate limit exceeded');
      }
      return;
    }
    refusedInRow = 0;
    queue = queue
      .then(() => handleFrame(raw, isBinary))
      .catch((error: unknown) => {
        logger.error('frame handling failed', { connectionId, userId: auth?.userId, error });
        refuse('INTERNAL', 'The message could not be handled');
      });
  });

  socket.on('error', (error: Error & { code?: string }) => {
    // ws has already closed the socket (1009 for an oversized frame, 1002 for protocol errors); log why.
    failure = error.code ?? error.message;
    logger.warn('socket error', { connectionId, userId: auth?.userId, code: error.code, error: error.message });
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      record('errors', 'frame.rejected', { code: 'PAYLOAD_TOO_LARGE', message: `Frame larger than ${settings.maxPayloadBytes} bytes` });
    }
  });

  socket.on('close', (code, reason) => {
    ending = true;
    clearTimeout(authTimer);
    clearTimeout(expiryTimer);
    clearTimeout(graceTimer);
    slot.release();
    if (auth) registry.remove(auth.userId, registered);
    // After a protocol error ws does not wait for the peer's close frame, so `code` is then 1006; `failure` says why.
    logger.info('socket closed', { connectionId, userId: auth?.userId, address, code, reason: reason.toString(), failure });
  });

  logger.debug('socket opened', { connectionId, address });
}
