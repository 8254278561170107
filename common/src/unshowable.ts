// The characters no person may be shown, without dependencies (no zod, no Node API), so the web page can
// import it too (websocket/web/state/session.ts cleans its own reports with it).

/**
 * What must never be shown to another person, by Unicode general category (UAX #44): controls (Cc: NUL, BEL,
 * ESC, tab, newlines, the C1 range), invisible formatting (Cf: U+200B zero-width space, U+200C/U+200D joiners,
 * the bidi controls U+202A-U+202E and U+2066-U+2069, U+00AD soft hyphen, ...), line and paragraph separators
 * (Zl, Zp), unpaired surrogates (Cs), private use (Co), and noncharacters. Each can hide, reorder or fake what
 * a payer reads when confirming a recipient (UTS #39 and CVE-2021-42574, "Trojan Source", show the tricks).
 */
export const UNSHOWABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Noncharacter_Code_Point}]/u;

/**
 * Whether `value` may be shown to another person as it is: none of the UNSHOWABLE characters, except line
 * feeds where `lineBreaks` allows them (a multi-line chat message, a stack trace in an error report).
 */
export function isShowable(value: string, { lineBreaks = false }: { lineBreaks?: boolean } = {}): boolean {
  return !UNSHOWABLE.test(lineBreaks ? value.replace(/\r?\n/g, '') : value);
}

/** `value` with every UNSHOWABLE character (line feeds kept) replaced by U+FFFD, for text the sender cannot choose. */
export const showable = (value: string): string =>
  Array.from(value.replace(/\r\n?/g, '\n'), (char) => (char === '\n' || !UNSHOWABLE.test(char) ? char : '\ufffd')).join('');
