import type { Queryable } from '../db/database';

export interface AttemptClaim {
  /** False while the email is locked: the attempt must be refused without checking the password. */
  allowed: boolean;
  /** When the lock ends, if the email is locked now (this attempt may itself have been the one that locked it). */
  lockedUntil: Date | undefined;
}

/**
 * Claims one password attempt for the email, counting it as a failure BEFORE the password is checked, in one
 * statement: concurrent attempts are serialized on the row, so however many arrive at once, at most
 * `maxFailures` are ever checked per window (checking first and counting afterwards let every attempt in
 * flight pass the lock check). The count rolls over a window of `lockSeconds`; the `maxFailures`-th attempt
 * locks the email for `lockSeconds`, and attempts while it is locked are refused (`allowed: false`) and not
 * counted again. A correct password then clears the count (`clearLoginFailures`).
 */
export async function claimLoginAttempt(db: Queryable, email: string, maxFailures: number, lockSeconds: number): Promise<AttemptClaim> {
  // While locked, `failures` is pushed past the maximum, which is how the answer tells a refused claim apart.
  const { rows } = await db.query<{ failures: number; locked_until: Date | null }>(
    `INSERT INTO login_failures AS f (email, failures, first_at, locked_until)
     VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $3) END)
     ON CONFLICT (email) DO UPDATE SET
       failures = CASE
         WHEN f.locked_until > now() THEN GREATEST(f.failures, $2) + 1
         WHEN f.first_at < now() - make_interval(secs => $3) THEN 1
         ELSE f.failures + 1 END,
       first_at = CASE
         WHEN f.locked_until > now() THEN f.first_at
         WHEN f.first_at < now() - make_interval(secs => $3) THEN now()
         ELSE f.first_at END,
       locked_until = CASE
         WHEN f.locked_until > now() THEN f.locked_until
         WHEN f.first_at < now() - make_interval(secs => $3) THEN CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $3) END
         WHEN f.failures + 1 >= $2 THEN now() + make_interval(secs => $3)
         ELSE NULL END
     RETURNING failures, locked_until`,
    [email, maxFailures, lockSeconds],
  );
  const row = rows[0]!;
  return { allowed: row.failures <= maxFailures, lockedUntil: row.locked_until ?? undefined };
}

export async function clearLoginFailures(db: Queryable, email: string): Promise<void> {
  await db.query(`DELETE FROM login_failures WHERE email = $1`, [email]);
}
