/** Close codes this service uses: 1xxx from RFC 6455, 4xxx application codes mirroring HTTP statuses. */
export const CLOSE = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  /** RFC 6455 "Try Again Later": bank-core cannot confirm sessions now (circuit breaker open or a failed check). */
  TRY_AGAIN_LATER: 1013,
  UNAUTHORIZED: 4401,
  AUTH_TIMEOUT: 4408,
  TOO_MANY_CONNECTIONS: 4429,
} as const;

/**
 * After the server sends a close frame, how long the client gets to answer it before the TCP
 * connection is cut (RFC 6455 lets the server close first). ws would otherwise wait 30 s, which a
 * client that never answers turns into 30 s of held socket per connection.
 */
export const CLOSE_GRACE_MS = 1_000;

/** The path the WebSocket server accepts upgrades on. */
export const WS_PATH = '/ws';
