import fc from 'fast-check';

/**
 * Values that break a request's schema, for the API fuzz test: the kinds of input that once reached the
 * database unchecked (integers past 64 bits or past 2^53, text PostgreSQL cannot store or a person should not
 * see, dates outside 1900..9999, cursors that decode to any of those), plus wrong types and sheer size.
 */

/** A JSON number written exactly as given (`JSON.stringify` cannot write 2^64 or 1e400). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A URL component written exactly as given: bad percent-encodings that `encodeURIComponent` never makes. */
export class RawUrl {
  constructor(readonly text: string) {}
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const SOME_UUID = '3f8b2a6e-1c4d-4e7a-9b0f-5d2c8e1a7b34';

export const HUGE_INTEGERS = [
  '9007199254740991', // 2^53 - 1, the last safe integer
  '9007199254740993', // 2^53 + 1, rounds to 2^53 in JavaScript
  '9223372036854775807', // 2^63 - 1, BIGINT's ceiling
  '9223372036854775808', // 2^63
  '18446744073709551615', // 2^64 - 1, xid8's ceiling
  '18446744073709551616', // 2^64
  '-9223372036854775809',
  '100000000000000000000000000000',
];

const BAD_DATES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1899-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59-05:00',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2025-02-30T00:00:00Z',
  '2025-13-01T00:00:00Z',
  '2025-01-01',
  '2025-01-01T00:00:00',
  'yesterday',
];

const BAD_CURSORS = [
  ...HUGE_INTEGERS.map((digits) => `h${digits}`),
  'h-1',
  'h1e3',
  'h',
  b64(['0000-01-01T00:00:00Z', SOME_UUID]),
  b64(['9999-12-31T23:59:59-05:00', SOME_UUID]),
  b64(['+275760-09-13T00:00:00.000Z', SOME_UUID]),
  b64([12345, SOME_UUID]),
  b64(['2025-01-01T00:00:00Z', 'not-a-uuid']),
  b64(['2025-01-01T00:00:00Z', `${SOME_UUID}\u0000`]),
  b64({ 0: 'x' }),
  b64('null'),
  b64('[1,2,3'),
  '!!!',
];

const BAD_POSITIONS = [
  '99999999999999999999-0',
  '18446744073709551616-1',
  '1-9223372036854775808',
  '18446744073709551615-9223372036854775807',
  '-1-1',
  '1_1',
  ' 1-1',
];

const PLAIN_SPECIALS = [
  '',
  ' ',
  'null',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1.5',
  '1e400',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '3F8B2A6E-1C4D-4E7A-9B0F-5D2C8E1A7B34',
  "' OR 1=1 --",
  '__proto__',
  'constructor',
  '0123456789',
  '12345678901',
];

/** Characters PostgreSQL cannot store, or that must never be shown to a payer. */
export const NASTY_CHARACTERS = [
  '\u0000', // NUL
  '\u0007', // BEL
  '\u001b', // ESC
  '\n',
  '\r',
  '\t',
  '\u007f',
  '\u0085', // NEL (C1)
  '\u00ad', // soft hyphen
  '\u200b', // zero-width space
  '\u200d', // zero-width joiner
  '\u202e', // right-to-left override
  '\u2066', // left-to-right isolate
  '\u2028', // line separator
  '\u2029', // paragraph separator
  '\ufeff', // byte order mark
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '\ue000', // private use
  '\uffff', // noncharacter
  '\u{10ffff}',
  'e\u0301', // decomposed é, which NFC composes
  '\u{1f600}',
];

const UNSTORABLE_AROUND = [fc.constantFrom('abc', 'a', ''), fc.constantFrom('def', 'x', '')] as const;

/**
 * Text PostgreSQL cannot store (a NUL; a lone surrogate, which UTF-8 cannot carry) inside otherwise plain text,
 * so it passes a length or "at least 3 characters" rule and meets the character checks themselves.
 */
export const unstorableText: fc.Arbitrary<string> = fc
  .tuple(UNSTORABLE_AROUND[0], fc.constantFrom('\u0000', '\ud800', '\udfff'), UNSTORABLE_AROUND[1])
  .map((parts) => parts.join(''));

/** The same for a URL, where only a NUL arrives as sent (a lone surrogate's bytes are decoded as U+FFFD). */
export const unstorableUrlText: fc.Arbitrary<string> = fc
  .tuple(UNSTORABLE_AROUND[0], fc.constant('\u0000'), UNSTORABLE_AROUND[1])
  .map((parts) => parts.join(''));

const fragment = fc.constantFrom('a', 'Z', '7', ' ', 'é', '%', "'", '"', '\\', '<', '{', ...NASTY_CHARACTERS);

/** Hostile text, for any string a request carries. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PLAIN_SPECIALS, ...HUGE_INTEGERS, ...BAD_DATES, ...BAD_CURSORS, ...BAD_POSITIONS) },
  { weight: 4, arbitrary: fc.array(fragment, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(141, 255, 256, 1_000, 5_000).map((length) => 'x'.repeat(length)) },
  { weight: 1, arbitrary: fc.nat({ max: 20 }).map((n) => `Ada${NASTY_CHARACTERS[n % NASTY_CHARACTERS.length]}Lovelace`) },
  { weight: 2, arbitrary: unstorableText },
);

/** URL components no encoder writes: stray `%`, an encoded NUL, an overlong NUL, an encoded lone surrogate. */
export const rawUrlText = fc
  .constantFrom('%', '%ZZ', '%00', 'a%00', 'abc%00def', '%C0%80', '%ED%A0%80', '%FF', 'a%2Fb', '..', '%2e%2e')
  .map((text) => new RawUrl(text));

/** A JSON value of the wrong kind or size, for any body field. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileText },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...HUGE_INTEGERS, '1e400', '-1e400', '-0', '0.1', '1e21', '-1', '0').map((text) => new RawJson(text)),
  },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, [], {}, ['x'], { $gt: '' }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer(), hostileText), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Writes a body value as JSON text, keeping RawJson numbers as they are. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) return objectJson(Object.entries(value));
  return JSON.stringify(value) ?? 'null';
}

/** A JSON object from its entries, in order, keeping repeated keys (JSON.parse keeps the last). */
export const objectJson = (entries: [string, unknown][]) =>
  `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;

/**
 * Percent-encodes a URL component. Lone surrogates cannot be UTF-8, so they go as the bytes a broken client
 * would send (CESU-8); a RawUrl goes as it is.
 */
export function encodeUrlComponent(value: string | RawUrl): string {
  if (value instanceof RawUrl) return value.text;
  return Array.from(value, (char) =>
    /[\ud800-\udfff]/.test(char)
      ? [0xe0 | (char.charCodeAt(0) >> 12), 0x80 | ((char.charCodeAt(0) >> 6) & 0x3f), 0x80 | (char.charCodeAt(0) & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('')
      : encodeURIComponent(char),
  ).join('');
}

/**
 * A header value as Node's HTTP client will send it: NUL, newlines and characters past U+00FF cannot be
 * sent in a header at all (Node refuses them before they leave), so they become `?`.
 */
export const toHeaderValue = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
