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

/**
 * Whether PostgreSQL can store the text as sent: `text` cannot hold NUL, and UTF-8 cannot carry a UTF-16
 * surrogate without its pair (with the `u` flag, `\p{Cs}` matches only unpaired ones), so the driver would
 * write U+FFFD instead and the stored text would silently differ from what was sent.
 */
export const isStorable = (value: string) => !value.includes('\0') && !/\p{Cs}/u.test(value);

/**
 * What must never be shown to another person, by Unicode general category (UAX #44): controls (Cc: NUL, BEL,
 * ESC, tab, newlines, the C1 range), invisible formatting (Cf: U+200B zero-width space, U+200C/U+200D joiners,
 * the bidi controls U+202A-U+202E and U+2066-U+2069, U+00AD soft hyphen, ...), line and paragraph separators
 * (Zl, Zp), unpaired surrogates (Cs), private use (Co), and noncharacters. Each can hide, reorder or fake what
 * a payer reads when confirming a recipient (UTS #39 and CVE-2021-42574, "Trojan Source", show the tricks).
 */
const UNSHOWABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Noncharacter_Code_Point}]/u;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Length as PostgreSQL's `length()` and JSON Schema's `maxLength` count it: code points, not UTF-16 units. */
const codePoints = (value: string) => [...value].length;

export const UNSTORABLE_MESSAGE = 'Must not contain NUL or unpaired surrogate characters';
const UNSHOWABLE_MESSAGE =
  'Must not contain control characters, line breaks or invisible formatting characters (such as U+200B or bidi controls)';

/**
 * Text kept exactly as sent (not normalized), for secrets such as passwords, which are compared, never shown:
 * at least `min` characters (code points), at most `maxBytes` bytes in UTF-8, no NUL, no unpaired surrogate.
 */
export function storableText({ min, maxBytes, tooLong }: { min: number; maxBytes: number; tooLong: string }) {
  return z
    .string()
    .refine((value) => codePoints(value) >= min, `At least ${min} characters`)
    .refine((value) => Buffer.byteLength(value, 'utf8') <= maxBytes, tooLong)
    .refine(isStorable, UNSTORABLE_MESSAGE);
}

/**
 * Text another person may read (names, account descriptions, narrations): normalized to NFC, trimmed, then
 * `min`..`max` characters (code points), with none of the UNSHOWABLE characters; a name must also hold at
 * least one letter or digit, so it cannot be blank to the eye.
 */
export function displayText({ min = 0, max, letterOrDigit = false }: { min?: number; max: number; letterOrDigit?: boolean }) {
  return z
    .string()
    .normalize('NFC')
    .trim()
    .refine((value) => codePoints(value) >= min, min <= 1 ? 'Required' : `At least ${min} characters`)
    .refine((value) => codePoints(value) <= max, `At most ${max} characters`)
    .refine((value) => !UNSHOWABLE.test(value), UNSHOWABLE_MESSAGE)
    .refine((value) => !letterOrDigit || value === '' || LETTER_OR_DIGIT.test(value), 'Must contain at least one letter or digit');
}

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
