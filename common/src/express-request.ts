import type { AccessClaims } from './access-token';

// What both services' middlewares add to every Express request. A module (not a .d.ts) so that it is
// part of every compilation that imports @bank/common.
declare global {
  // Express declares Request in a global namespace; augmenting it takes one.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by the request-id middleware on every request: this service's own id for it. */
      requestId: string;
      /** The client's own X-Request-Id, when it sent a sane one (for joining its logs to ours). */
      clientRequestId?: string;
      /** With tracing on, the trace this request belongs to (hex), for its log line; else undefined. */
      traceId?: string;
      /** Set by `authenticate` once the bearer token and its session are verified. */
      auth?: AccessClaims;
    }
  }
}

export {};
