import { z } from 'zod';
import { isShowable } from './unshowable';

/*
 * Text rules both services apply: bank-core to names, descriptions and narrations; the websocket service to
 * support-chat lines and the interaction/error reports staff read. Documented for clients in
 * bank-core/docs/openapi.yaml (`PersonName`, `DisplayText`, `NewPassword`) and websocket/docs/protocol.md.
 */

/**
 * Whether PostgreSQL can store the text as sent: `text` cannot hold NUL, and UTF-8 cannot carry a UTF-16
 * surrogate without its pair (with the `u` flag, `\p{Cs}` matches only unpaired ones), so the driver would
 * write U+FFFD instead and the stored text would silently differ from what was sent.
 */
export const isStorable = (value: string) => !value.includes('\0') && !/\p{Cs}/u.test(value);

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** Length as PostgreSQL's `length()` and JSON Schema's `maxLength` count it: code points, not UTF-16 units. */
const codePoints = (value: string) => [...value].length;

export const UNSTORABLE_MESSAGE = 'Must not contain NUL or unpaired surrogate characters';
export const UNSHOWABLE_MESSAGE =
  'Must not contain control characters, line breaks or invisible formatting characters (such as U+200B or bidi controls)';

/** UNSHOWABLE_MESSAGE for text in which line feeds are allowed. */
export const UNSHOWABLE_MESSAGE_LINES =
  'Must not contain control characters other than line feeds, or invisible formatting characters (such as U+200B or bidi controls)';

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
 * Text another person may read (names, account descriptions, narrations, support chat lines): normalized to
 * NFC, trimmed, then `min`..`max` characters (code points), with none of the UNSHOWABLE characters (with
 * `lineBreaks`, line feeds are kept and CRLF becomes LF); a name must also hold at least one letter or digit,
 * so it cannot be blank to the eye.
 */
export function displayText({
  min = 0,
  max,
  letterOrDigit = false,
  lineBreaks = false,
}: {
  min?: number;
  max: number;
  letterOrDigit?: boolean;
  lineBreaks?: boolean;
}) {
  return z
    .string()
    .normalize('NFC')
    .trim()
    .overwrite((value) => (lineBreaks ? value.replace(/\r\n/g, '\n') : value))
    .refine((value) => codePoints(value) >= min, min <= 1 ? 'Required' : `At least ${min} characters`)
    .refine((value) => codePoints(value) <= max, `At most ${max} characters`)
    .refine((value) => isShowable(value, { lineBreaks }), lineBreaks ? UNSHOWABLE_MESSAGE_LINES : UNSHOWABLE_MESSAGE)
    .refine((value) => !letterOrDigit || value === '' || LETTER_OR_DIGIT.test(value), 'Must contain at least one letter or digit');
}
