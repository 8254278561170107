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
