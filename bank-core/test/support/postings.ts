import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/db/database';
import { postMovements, type MovementType } from '../../src/repositories/movement.repository';
import { newReference } from '../../src/services/references';

/**
 * Posts one movement through `db` as the service's group commit does (ledger_post_movements), but inside a
 * transaction the test holds open: what a posting looks like while it has not committed yet.
 * @throws Error when the movement is refused.
 */
export async function postInside(
  db: Queryable,
  movement: { type: MovementType; userId: string; accountId: string; amount: number; recipientNumber?: string },
) {
  const [outcome] = await postMovements(db, [
    {
      id: randomUUID(),
      reference: newReference(),
      type: movement.type,
      initiatedBy: movement.userId,
      accountId: movement.accountId,
      recipientNumber: movement.recipientNumber ?? null,
      amount: movement.amount,
      narration: null,
      requestId: randomUUID(),
      idempotencyKey: null,
      requestHash: null,
    },
  ]);
  if (outcome?.outcome !== 'ok') throw new Error(`posting refused: ${outcome?.outcome}`);
  return outcome;
}
