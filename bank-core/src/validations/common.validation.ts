import { z } from 'zod';

/*
 * The rules every request part shares, so that nothing reaches the database that it cannot store, and
 * nothing is stored that cannot safely be shown to another person. Documented for clients in
 * docs/openapi.yaml (schemas `PersonName`, `DisplayText`, `NewPassword`; parameters `From`, `To`, `Cursor`).
 */

export const uuid = z.uuid({ message: 'Must be a UUID' });

export const idParams = z.strictObject({ id: uuid });

export const accountNumber = z.string().regex(/^[0-9]{10}$/, 'Must be 10 digits');

export const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

// ---------------------------------------------------------------------------------------------------------------
// Text

// The rules live in common (common/src/display-text.ts): the websocket service applies the same ones to
// chat lines and reports that staff read.
export { displayText, isStorable, storableText, UNSTORABLE_MESSAGE } from '@bank/common';

// ---------------------------------------------------------------------------------------------------------------
// Dates and cursors

/**
 * Every date a client sends, in a query or inside a cursor, must fall in these years. Both drivers store far
 * more, but not the same: PGlite refuses year 0 (which JavaScript writes as `0000`), and a JavaScript date past
 * 9999 prints as `+010000-...`, which PostgreSQL does not read. No bank record falls outside these years.
 */
export const DATE_MIN = new Date('1900-01-01T00:00:00.000Z');
export const DATE_MAX = new Date('9999-12-31T23:59:59.999Z');
const DATE_RANGE_MESSAGE = 'Must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z';

/** An ISO 8601 date-time with a time zone (`2025-02-01T00:00:00Z`), as a Date within DATE_MIN..DATE_MAX. */
export const isoDateTime = z.iso
  .datetime({ offset: true, message: 'Must be an ISO 8601 date-time with a time zone' })
  .transform((value) => new Date(value))
  .pipe(z.date({ message: 'Must be a real date' }).min(DATE_MIN, DATE_RANGE_MESSAGE).max(DATE_MAX, DATE_RANGE_MESSAGE));

const INVALID_CURSOR = 'Invalid cursor';
const keysetPayload = z.tuple([isoDateTime, uuid]);

/** Opaque keyset cursor: base64url of JSON `[createdAtIso, id]`; the date obeys the same range as `from`/`to`. */
export const cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, INVALID_CURSOR)
  .transform((value, ctx) => {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const payload = keysetPayload.safeParse(decoded);
    if (!payload.success) {
      ctx.addIssue({ code: 'custom', message: INVALID_CURSOR });
      return z.NEVER;
    }
    const [createdAt, id] = payload.data;
    return { createdAt, id };
  });

export function encodeCursor(item: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([item.createdAt.toISOString(), item.id])).toString('base64url');
}

/**
 * Opaque integer cursor `<prefix><digits>`: the digits name an integer from 0 to 2^53 - 1, so it reaches the
 * database as the same number it was written from (a larger one would be rounded by JavaScript, and one past
 * 2^63 - 1 is not a BIGINT).
 */
export function safeIntegerCursor(prefix: string) {
  return z
    .string()
    .regex(new RegExp(`^${prefix}[0-9]{1,16}$`), INVALID_CURSOR)
    .transform((value) => Number(value.slice(prefix.length)))
    .refine((value) => Number.isSafeInteger(value), INVALID_CURSOR);
}
