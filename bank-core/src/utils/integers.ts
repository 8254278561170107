/**
 * node-postgres returns BIGINT as a string and PGlite as a number or a bigint. Every integer that
 * leaves the database passes through here, and one JavaScript cannot hold exactly is refused.
 * @throws RangeError outside the safe-integer range.
 */
export function toSafeInteger(value: unknown): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' || typeof value === 'bigint' ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) throw new RangeError(`Database integer out of safe range: ${String(value)}`);
  return number;
}

/** PostgreSQL's BIGINT ceiling, 2^63 - 1. */
export const BIGINT_MAX = 9_223_372_036_854_775_807n;
/** PostgreSQL's xid8 (a 64-bit transaction id) ceiling, 2^64 - 1. */
export const XID8_MAX = 18_446_744_073_709_551_615n;

/**
 * Whether a string of ASCII digits names an integer from 0 to `max` (compared exactly, as a
 * bigint, so `2^63` is not rounded down into range). False for anything but digits.
 */
export function isDecimalAtMost(digits: string, max: bigint): boolean {
  return /^[0-9]{1,40}$/.test(digits) && BigInt(digits) <= max;
}
