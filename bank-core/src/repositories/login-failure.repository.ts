import type { Queryable } from '../db/database';

/** When the email's login is locked, the time it unlocks; otherwise undefined. */
export async function findLoginLock(db: Queryable, email: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ locked_until: Date }>(
    `SELECT locked_until FROM login_failures WHERE email = $1 AND locked_until > now()`,
    [email],
  );
  return rows[0]?.locked_until;
}

/**
 * Counts a failed login inside a rolling window of `lockSeconds`; the `maxFailures`-th failure
 * locks the email for `lockSeconds`. One statement, so concurrent failures cannot undercount.
 */
export async function recordLoginFailure(db: Queryable, email: string, maxFailures: number, lockSeconds: number): Promise<void> {
  await db.query(
    `INSERT INTO login_failures AS f (email, failures, first_at) VALUES ($1, 1, now())
     ON CONFLICT (email) DO UPDATE SET
       failures = CASE WHEN f.first_at < now() - make_interval(secs => $3) THEN 1 ELSE f.failures + 1 END,
       first_at = CASE WHEN f.first_at < now() - make_interval(secs => $3) THEN now() ELSE f.first_at END,
       locked_until = CASE
         WHEN f.first_at >= now() - make_interval(secs => $3) AND f.failures + 1 >= $2
         THEN now() + make_interval(secs => $3) ELSE f.locked_until END`,
    [email, maxFailures, lockSeconds],
  );
}

export async function clearLoginFailures(db: Queryable, email: string): Promise<void> {
  await db.query(`DELETE FROM login_failures WHERE email = $1`, [email]);
}
