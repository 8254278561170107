import type { FeedPosition } from '../repositories/outbox.repository';

// The ranges of the columns a position names: BIGINT positions and outbox ids, XID8 transaction ids.
const MAX_BIGINT = 2n ** 63n - 1n;
const MAX_XID8 = 2n ** 64n - 1n;

/** A position as a reader sends it back: the current form, or the form handed out before migration 005. */
export type ParsedPosition = { position: FeedPosition } | { legacy: { txId: string; id: string } };

/**
 * Reads a `Last-Event-ID` / `?after=` value in the canonical form the feed hands out: `<position>`,
 * or `<tx_id>-<outbox id>` from before migration 005. Undefined for anything else, including numbers
 * past their column's range (so they answer 400, never reach the database).
 */
export function parsePosition(value: string): ParsedPosition | undefined {
  const current = /^(0|[1-9]\d{0,18})$/.exec(value);
  if (current) return BigInt(value) <= MAX_BIGINT ? { position: value } : undefined;
  const legacy = /^(0|[1-9]\d{0,19})-(0|[1-9]\d{0,18})$/.exec(value);
  if (!legacy) return undefined;
  const [, txId, id] = legacy as unknown as [string, string, string];
  return BigInt(txId) <= MAX_XID8 && BigInt(id) <= MAX_BIGINT ? { legacy: { txId, id } } : undefined;
}

/** Whether position `a` comes after `b`. */
export const isAfter = (a: FeedPosition, b: FeedPosition) => BigInt(a) > BigInt(b);
