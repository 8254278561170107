import type { Role } from '@bank/common';
import type { Queryable } from '../db/database';

export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

interface RefreshTokenRow {
  [column: string]: unknown;
  id: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

export async function insertRefreshToken(
  db: Queryable,
  token: { familyId: string; userId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await db.query(`INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)`, [
    token.familyId,
    token.userId,
    token.tokenHash,
    token.expiresAt,
  ]);
}

/** Locks the token's row so two concurrent refreshes with one token cannot both succeed. */
export async function findRefreshTokenForUpdate(db: Queryable, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const { rows } = await db.query<RefreshTokenRow>(
    `SELECT id, family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
    [tokenHash],
  );
  const row = rows[0];
  return (
    row && {
      id: row.id,
      familyId: row.family_id,
      userId: row.user_id,
      expiresAt: row.expires_at,
      usedAt: row.used_at,
      revokedAt: row.revoked_at,
    }
  );
}

export async function markRefreshTokenUsed(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE refresh_tokens SET used_at = now() WHERE id = $1`, [id]);
}

export async function revokeFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`, [familyId]);
}

export async function revokeAllOfUser(db: Queryable, userId: string): Promise<void> {
  await db.query(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
}

/**
 * What the login session (token family) may do now: undefined when it has ended (revoked, unknown, or
 * its user deleted), else the user's current role, read from the users row rather than from the token,
 * so a role change applies to tokens already issued.
 */
export async function findSessionAccess(db: Queryable, familyId: string, userId: string): Promise<{ role: Role } | undefined> {
  const { rows } = await db.query<{ role: Role; live: boolean | null }>(
    `SELECT u.role, (SELECT bool_and(r.revoked_at IS NULL) FROM refresh_tokens r WHERE r.family_id = $2 AND r.user_id = u.id) AS live
     FROM users u WHERE u.id = $1 AND u.deleted_at IS NULL`,
    [userId, familyId],
  );
  const row = rows[0];
  return row?.live === true ? { role: row.role } : undefined;
}
