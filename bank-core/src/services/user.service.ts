import type { AccessClaims } from '@bank/common';
import type { Database } from '../db/database';
import { AppError, notFound } from '../errors/app-error';
import { closeAccountsOfUser, lockAccountsOfUser } from '../repositories/account.repository';
import { revokeAllOfUser } from '../repositories/session.repository';
import * as users from '../repositories/user.repository';
import type { PasswordCheck } from './password-check';
import type { PasswordHasher } from './password.service';
import type { SessionGuard } from './session-guard';

export interface UserChanges {
  name?: string;
  email?: string;
  password?: string;
  currentPassword?: string;
}

const FORBIDDEN = () => new AppError({ code: 'FORBIDDEN', message: 'You may only act on your own user' });

/** Users act on themselves; admins on anyone. Anything else is refused. */
function assertSelfOrAdmin(actor: AccessClaims, userId: string): void {
  if (actor.userId !== userId && actor.role !== 'admin') throw FORBIDDEN();
}

export function createUserService({
  db,
  passwords,
  passwordCheck,
  sessionGuard,
}: {
  db: Database;
  passwords: PasswordHasher;
  passwordCheck: PasswordCheck;
  sessionGuard: SessionGuard;
}) {
  /** @throws FORBIDDEN for someone else's user (non-admin), NOT_FOUND when there is no such user. */
  async function get(actor: AccessClaims, userId: string): Promise<users.User> {
    assertSelfOrAdmin(actor, userId);
    const user = await users.findUserById(db, userId);
    if (!user) throw notFound('User');
    const { passwordHash: _secret, ...visible } = user;
    return visible;
  }

  return {
    get,
    /** Newest first; narrowed to an email (or its start) and/or an account number when given. */
    list: (page: users.UserListFilter) => users.listUsers(db, page),

    /**
     * Changing your own email or password needs your current password. An admin editing someone
     * else may change name and email, never their password.
     * @throws FORBIDDEN, NOT_FOUND, UNAUTHORIZED (wrong current password), RATE_LIMITED (the email's password
     * checks are locked after repeated failures, as for login), CONFLICT (email taken).
     */
    async update(actor: AccessClaims, userId: string, changes: UserChanges): Promise<users.User> {
      assertSelfOrAdmin(actor, userId);
      const self = actor.userId === userId;
      const user = await users.findUserById(db, userId);
      if (!user) throw notFound('User');
      if (!self && changes.password !== undefined) {
        throw new AppError({ code: 'FORBIDDEN', message: 'Only the user themself can change their password' });
      }
      const sensitive = changes.password !== undefined || (changes.email !== undefined && changes.email !== user.email);
      if (self && sensitive) {
        if (changes.currentPassword === undefined) {
          throw new AppError({
            code: 'VALIDATION',
            message: 'currentPassword is required to change email or password',
            details: [{ path: 'body.currentPassword', message: 'Required to change email or password' }],
          });
        }
        // Counted with the login failures of the same email, and refused while it is locked, as login is.
        if (!(await passwordCheck.verify(user.email, changes.currentPassword, user.passwordHash))) {
          throw new AppError({ code: 'UNAUTHORIZED', message: 'Current password is incorrect' });
        }
      }
      const passwordHash = changes.password === undefined ? undefined : await passwords.hash(changes.password);
      const updated = await db.transaction(async (tx) => {
        const result = await users.updateUser(tx, userId, { name: changes.name, email: changes.email, passwordHash });
        // A new password ends every other session: whoever knew the old one is logged out.
        if (result && passwordHash) await revokeAllOfUser(tx, userId);
        return result;
      });
      if (!updated) throw notFound('User');
      if (passwordHash) await sessionGuard.ended({ userId, reason: 'password-change' });
      return updated;
    },

    /**
     * Deletes a user whose accounts are all at zero: closes them, ends every session, keeps the history.
     * @throws FORBIDDEN, NOT_FOUND, CONFLICT when an account still holds money.
     */
    async remove(actor: AccessClaims, userId: string): Promise<void> {
      assertSelfOrAdmin(actor, userId);
      await db.transaction(async (tx) => {
        if (!(await users.findUserById(tx, userId, { forUpdate: true }))) throw notFound('User');
        // Under the accounts' row locks: a transfer landing meanwhile either commits first (and is seen
        // here) or waits, then finds the account closed and is refused.
        const funded = (await lockAccountsOfUser(tx, userId)).filter((account) => account.balance !== 0);
        if (funded.length > 0) {
          throw new AppError({
            code: 'CONFLICT',
            message: 'Every account must be at zero before the user can be deleted',
            details: { accounts: funded.map((account) => account.accountNumber) },
          });
        }
        await closeAccountsOfUser(tx, userId);
        await revokeAllOfUser(tx, userId);
        await users.markUserDeleted(tx, userId);
      });
      await sessionGuard.ended({ userId, reason: 'user-deleted' });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
