import { SUPPORTED_CURRENCIES, type Currency } from './currencies';

/** Digits after the decimal point in `currency` (2 for 100 minor units per major unit). */
export function minorDigits(currency: string): number {
  const units = SUPPORTED_CURRENCIES[currency as Currency]?.minorUnits ?? 100;
  return Math.round(Math.log10(units));
}

/**
 * Minor units as a plain decimal in major units, computed on integers (never a float): `-250` NGN is
 * `"-2.50"`, `123456` is `"1234.56"`. No grouping separators, so machines read it back exactly.
 */
export function toDecimal(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** `toDecimal` with thousands grouped and the currency code in front, for print: `NGN 1,234.56`. */
export function toPrintable(minor: number, currency: string): string {
  const decimal = toDecimal(minor, currency);
  const negative = decimal.startsWith('-');
  const [whole = '0', fraction] = (negative ? decimal.slice(1) : decimal).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${currency} ${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
