import type { Database } from '../db/database';
import { AppError } from '../errors/app-error';
import { claimLoginAttempt, clearLoginFailures } from '../repositories/login-failure.repository';
import type { PasswordHasher } from './password.service';

export interface LoginLockout {
  maxFailures: number;
  lockSeconds: number;
}

/**
 * Every check of a password a person types (login, and the current password asked for before an email or
 * password change) goes through here, so all of them share one count per account (keyed by email) and
 * one lock: a stolen access token gives no more guesses than the login form does.
 */
export function createPasswordCheck({ db, passwords, lockout }: { db: Database; passwords: PasswordHasher; lockout: LoginLockout }) {
  return {
    /**
     * Whether `password` matches `hash` (a missing hash costs the same time and never matches). The attempt is
     * counted before the comparison (see claimLoginAttempt) and the count cleared when it matches.
     * @throws RATE_LIMITED (with retryAfterSeconds) while the email is locked, without comparing anything.
     */
    async verify(email: string, password: string, hash: string | undefined): Promise<boolean> {
      const claim = await claimLoginAttempt(db, email, lockout.maxFailures, lockout.lockSeconds);
      if (!claim.allowed) {
        const until = claim.lockedUntil?.getTime() ?? Date.now() + lockout.lockSeconds * 1000;
        const retryAfterSeconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
        throw new AppError({ code: 'RATE_LIMITED', message: 'Too many failed logins; try again later', retryAfterSeconds });
      }
      const matches = await passwords.verifyOrWaste(password, hash);
      if (matches) await clearLoginFailures(db, email);
      return matches;
    },
  };
}

export type PasswordCheck = ReturnType<typeof createPasswordCheck>;
