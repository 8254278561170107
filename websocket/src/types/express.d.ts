import type { AccessClaims } from '@bank/common';

declare global {
  namespace Express {
    interface Request {
      /** Set by the request-id middleware on every request. */
      requestId: string;
      /** Set by `authenticate` once the bearer token and its session are verified. */
      auth?: AccessClaims;
    }
  }
}

export {};
