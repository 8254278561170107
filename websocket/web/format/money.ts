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

/**
 * What the customer typed, in major units, as integer minor units: "1,234.5" NGN -> 123450.
 * Grouping commas and spaces are ignored; at most the currency's minor digits after the point;
 * the result must be above zero and at most `max` minor units. Computed on digit strings and
 * BigInt, never through a float.
 */
export function parseAmount(text: string, currency: string, max = Number.MAX_SAFE_INTEGER): AmountParse {
  const digits = minorDigits(currency);
  const cleaned = text.trim().replace(/[\s,]/g, '');
  const pattern = digits === 0 ? /^(\d+)$/ : new RegExp(`^(\\d*)(?:\\.(\\d{0,${digits}}))?$`);
  const match = pattern.exec(cleaned);
  if (!cleaned || !match || (match[1] === '' && !match[2])) {
    return {
      ok: false,
      message: digits === 0 ? 'Enter a whole amount, like 100' : `Enter an amount like 100 or 100.${'5'.repeat(digits)}`,
    };
  }
  const minor = BigInt(match[1] || '0') * 10n ** BigInt(digits) + BigInt((match[2] ?? '').padEnd(digits, '0') || '0');
  if (minor <= 0n) return { ok: false, message: 'Enter an amount above zero' };
  if (minor > BigInt(max)) return { ok: false, message: `At most ${formatMoney(max, currency)}` };
  return { ok: true, minor: Number(minor) };
}
