// Money on the page: integer minor units in, text out; typed text in, integer minor units out.
// Never a float: amounts are built from digit strings and BigInt, and Intl formats a decimal string.

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, locale?: string): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}`;
  let found = formatters.get(key);
  if (!found)
    formatters.set(key, (found = new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' })));
  return found;
}

/** Digits after the decimal point in `currency` (2 for NGN, USD, GBP, EUR; 0 for JPY), from Intl. */
export function minorDigits(currency: string): number {
  return formatter(currency, 'en').resolvedOptions().maximumFractionDigits ?? 2;
}

/** `-123456` NGN -> `"-1234.56"`: the exact decimal, made from the integer's digits. */
export function toDecimalString(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0;
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return negative ? `-${decimal}` : decimal;
}

/** Minor units as the customer's locale writes money in `currency`: 123456 NGN -> "₦1,234.56". */
export function formatMoney(minor: number, currency: string, locale?: string): string {
  // Intl formats a numeric string exactly (ECMA-402 "Intl.NumberFormat v3"), so no float is involved.
  return formatter(currency, locale).format(toDecimalString(minor, currency) as Intl.StringNumericLiteral);
}

/** With a sign always shown, for movements: "+₦25.00", "-₦25.00". */
export function formatSignedMoney(minor: number, currency: string, locale?: string): string {
  return `${minor > 0 ? '+' : ''}${formatMoney(minor, currency, locale)}`;
}

export type AmountParse = { ok: true; minor: number } | { ok: false; message: string };

/** The decimal mark and grouping separator the locale writes numbers with ("." and "," in en; "," and "." in de). */
export function numberSymbols(locale?: string): { decimal: string; group: string } {
  // Formatting a literal only to read the separators out of its parts; no amount goes through a float.
  const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(1234567.5);
  return {
    decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.',
    group: parts.find((p) => p.type === 'group')?.value ?? ',',
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A space-like group separator (fr's U+202F, U+00A0) is typed as an ordinary space too.
const SPACES = /[\s\u00a0\u202f]/g;
const isSpace = (text: string) => /^[\s\u00a0\u202f]$/.test(text);

/**
 * What the customer typed, in major units, as integer minor units, read the way the customer's `locale`
 * writes numbers: "1,234.5" in en and "1.234,5" in de are both 123450 NGN kobo.
 *
 * Accepted: digits, at most one decimal mark followed by at most the currency's minor digits, and the
 * locale's grouping separator only where it is well formed (groups of three from the decimal mark: "1,234",
 * never "1,23" or "1,2,3"). Anything else is refused with a message naming the locale's way of writing an
 * amount ("1,23" in en could be 1.23 or 123, so it is refused rather than guessed). The result must be above
 * zero and at most `max` minor units. Computed on digit strings and BigInt, never through a float.
 */
export function parseAmount(text: string, currency: string, max = Number.MAX_SAFE_INTEGER, locale?: string): AmountParse {
  const digits = minorDigits(currency);
  const { decimal, group } = numberSymbols(locale);
  const spaceGroup = isSpace(group);
  const cleaned = text.trim().replace(SPACES, spaceGroup ? ' ' : '\u0000');
  const g = spaceGroup ? ' ' : escapeRegExp(group);
  const d = escapeRegExp(decimal);
  const fraction = digits === 0 ? '' : `(?:${d}(\\d{1,${digits}}))?`;
  const pattern = new RegExp(`^(\\d+|\\d{1,3}(?:${g}\\d{3})+)${fraction}$`);
  const example = formatDecimal(digits, decimal, group);
  const match = pattern.exec(cleaned);
  if (!match) return { ok: false, message: `Enter an amount like ${example}` };
  const whole = match[1]!.split(spaceGroup ? ' ' : group).join('');
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt((match[2] ?? '').padEnd(digits, '0') || '0');
  if (minor <= 0n) return { ok: false, message: 'Enter an amount above zero' };
  if (minor > BigInt(max))
    // Until bank-core has named its limit (amountLimitOf), the ceiling is only the page's safe-integer bound.
    return {
      ok: false,
      message: max >= Number.MAX_SAFE_INTEGER ? 'That amount is too large' : `At most ${formatMoney(max, currency, locale)}`,
    };
  return { ok: true, minor: Number(minor) };
}

/** "1,234.50 or 100" in en, "1.234,50 or 100" in de: how to write an amount, for messages. */
function formatDecimal(digits: number, decimal: string, group: string): string {
  const shown = group.trim() === '' ? ' ' : group;
  return digits === 0 ? `100 or 1${shown}234` : `100${decimal}${'5'.repeat(digits)} or 1${shown}234${decimal}${'5'.repeat(digits)}`;
}

/**
 * Bank-core's per-transaction limit in minor units, from the details of a refused movement
 * (`{path: "body.amount", message: "At most 10000000000 minor units per transaction"}`), or null.
 */
export function amountLimitOf(details: unknown): number | null {
  if (!Array.isArray(details)) return null;
  for (const detail of details as { path?: unknown; message?: unknown }[]) {
    const match =
      detail.path === 'body.amount' && typeof detail.message === 'string' ? /At most (\d+) minor units/.exec(detail.message) : null;
    if (match && Number.isSafeInteger(Number(match[1]))) return Number(match[1]);
  }
  return null;
}
