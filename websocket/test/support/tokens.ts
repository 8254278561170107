import { randomUUID } from 'node:crypto';
import { createAccessTokens, type Role } from '@bank/common';

/** The JWT settings shared by the test websocket service, the fake bank-core and token minting. */
export const TEST_JWT = {
  secret: 'test-secret-that-is-long-enough-for-hs256-0123456789',
  issuer: 'bank-core',
  audience: 'bank-clients',
};

/** An access token as bank-core would issue it; a fresh user and session unless given. */
export function mintToken({
  userId = randomUUID(),
  role = 'customer',
  sessionId = randomUUID(),
  ttlSeconds = 900,
  secret = TEST_JWT.secret,
}: {
  userId?: string;
  role?: Role;
  sessionId?: string;
  ttlSeconds?: number;
  secret?: string;
} = {}) {
  const token = createAccessTokens({ ...TEST_JWT, secret, ttlSeconds }).sign({ userId, role, sessionId });
  return { token, userId, sessionId, auth: { Authorization: `Bearer ${token}` } };
}
