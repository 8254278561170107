/** Close codes this service uses: 1xxx from RFC 6455, 4xxx application codes mirroring HTTP statuses. */
export const CLOSE = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  UNAUTHORIZED: 4401,
  AUTH_TIMEOUT: 4408,
} as const;

/** The path the WebSocket server accepts upgrades on. */
export const WS_PATH = '/ws';
