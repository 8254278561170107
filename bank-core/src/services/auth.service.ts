import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AccessTokens } from '@bank/common';
import type { Database } from '../db/database';
import { AppError } from '../errors/app-error';
import * as sessions from '../repositories/session.repository';
import * as users from '../repositories/user.repository';
import { DEFAULT_CURRENCY } from '../utils/currencies';
import type { AccountService } from './account.service';
import type { PasswordCheck } from './password-check';
import type { PasswordHasher } from './password.service';
import type { SessionGuard } from './session-guard';

export interface AuthServiceDeps {
  db: Database;
  accounts: AccountService;
  passwords: PasswordHasher;
  passwordCheck: PasswordCheck;
  accessTokens: AccessTokens;
  sessionGuard: SessionGuard;
  refreshTtlSeconds: number;
}

export interface TokenPair {
  token: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

const INVALID_CREDENTIALS = () => new AppError({ code: 'UNAUTHORIZED', message: 'Invalid email or password' });
const INVALID_REFRESH = () => new AppError({ code: 'UNAUTHORIZED', message: 'Refresh token is invalid or expired' });

// Refresh tokens are random and stored only as a hash: a database leak does not leak sessions.
const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createAuthService(deps: AuthServiceDeps) {
  const { db, passwords, accessTokens } = deps;

  async function issuePair(
    db: Pick<Database, 'query'>,
    user: { id: string; role: users.User['role'] },
    familyId: string,
  ): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await sessions.insertRefreshToken(db, {
      familyId,
      userId: user.id,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + deps.refreshTtlSeconds * 1000),
    });
    return {
      token: accessTokens.sign({ userId: user.id, role: user.role, sessionId: familyId }),
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: accessTokens.ttlSeconds,
    };
  }

  return {
    /**
     * Creates a customer and their default NGN account in one transaction.
     * @throws CONFLICT when the email is taken.
     */
    async signup(input: { name: string; email: string; password: string }) {
      // Hash outside the transaction: it is slow and needs no lock.
      const passwordHash = await passwords.hash(input.password);
      return db.transaction(async (tx) => {
        const user = await users.insertUser(tx, { name: input.name, email: input.email, passwordHash });
        const account = await deps.accounts.openAccountIn(tx, user.id, { currency: DEFAULT_CURRENCY, description: 'Main account' });
        return { user, account };
      });
    },

    /**
     * @throws RATE_LIMITED while the email is locked after repeated failures,
     * UNAUTHORIZED for a wrong email or password (indistinguishable by design).
     */
    async login(input: { email: string; password: string }): Promise<TokenPair> {
      const user = await users.findUserByEmail(db, input.email);
      // Checked and counted per email whether or not anyone has it: the time and the lock reveal nothing about who exists.
      const matches = await deps.passwordCheck.verify(input.email, input.password, user?.passwordHash);
      if (!user || !matches) throw INVALID_CREDENTIALS();
      return issuePair(db, user, randomUUID());
    },

    /**
     * Rotates a refresh token. Presenting one that was already spent means it leaked: the whole
     * family (every token of that login) is revoked.
     * @throws UNAUTHORIZED for an unknown, expired, spent or revoked token.
     */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const outcome = await db.transaction(async (tx) => {
        const record = await sessions.findRefreshTokenForUpdate(tx, hashToken(refreshToken));
        if (!record || record.revokedAt) return { pair: undefined };
        if (record.usedAt) {
          await sessions.revokeFamily(tx, record.familyId);
          return { pair: undefined, revoked: { sessionId: record.familyId, userId: record.userId } };
        }
        if (record.expiresAt.getTime() <= Date.now()) return { pair: undefined };
        const user = await users.findUserById(tx, record.userId);
        if (!user) return { pair: undefined };
        await sessions.markRefreshTokenUsed(tx, record.id);
        return { pair: await issuePair(tx, user, record.familyId) };
      });
      if (outcome.revoked) await deps.sessionGuard.ended({ ...outcome.revoked, reason: 'token-reuse' });
      if (!outcome.pair) throw INVALID_REFRESH();
      return outcome.pair;
    },

    /** Ends the login session the refresh token belongs to; an unknown token is not an error. */
    async logout(refreshToken: string): Promise<void> {
      const ended = await db.transaction(async (tx) => {
        const record = await sessions.findRefreshTokenForUpdate(tx, hashToken(refreshToken));
        if (record) await sessions.revokeFamily(tx, record.familyId);
        return record && { sessionId: record.familyId, userId: record.userId };
      });
      if (ended) await deps.sessionGuard.ended({ ...ended, reason: 'logout' });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
