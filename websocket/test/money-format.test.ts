import { formatMoney, parseAmount, toDecimalString } from '../web/format/money';

// The page's money rules (websocket/web/format/money.ts): pure functions, so tested directly.
describe('parseAmount: typed major units to integer minor units, never through a float', () => {
  it.each([
    ['1,234.56', 123_456],
    [' 0.5 ', 50],
    ['1,234,567', 123_456_700],
    ['100', 10_000],
    ['0.29', 29], // 0.29 * 100 is 28.999999999999996 as a float
    ['1.1', 110],
    ['90071992547409.91', 9_007_199_254_740_991],
  ])('reads %s NGN in en-US as %i kobo', (text, minor) => {
    expect(parseAmount(text, 'NGN', undefined, 'en-US')).toEqual({ ok: true, minor });
  });

  it.each([
    ['0'],
    ['0.00'],
    [''],
    ['1.234'],
    ['-5'],
    ['1e3'],
    ['12abc'],
    ['1.2.3'],
    ['1,23'],
    ['1,2,3'],
    ['12,34.5'],
    ['1,234,56'],
    ['1 234'],
    ['.75.'],
  ])('refuses %p in en with a message', (text) => {
    expect(parseAmount(text, 'NGN', undefined, 'en-US')).toEqual({ ok: false, message: expect.any(String) });
  });

  it('says how the locale writes an amount when the text is ambiguous', () => {
    expect(parseAmount('1,23', 'NGN', undefined, 'en-US')).toEqual({ ok: false, message: 'Enter an amount like 100.55 or 1,234.55' });
    expect(parseAmount('1.23', 'NGN', undefined, 'de-DE')).toEqual({ ok: false, message: 'Enter an amount like 100,55 or 1.234,55' });
  });

  it.each([
    ['1,23', 123],
    ['1.234,56', 123_456],
    ['1234,5', 123_450],
    ['1.234', 123_400],
    ['100', 10_000],
  ])('reads %s in de-DE as %i kobo', (text, minor) => {
    expect(parseAmount(text, 'NGN', undefined, 'de-DE')).toEqual({ ok: true, minor });
  });

  it.each([['1,2,3'], ['1.23'], ['1,234.56'], ['1.2.3'], ['1,234']])('refuses %p in de-DE', (text) => {
    expect(parseAmount(text, 'NGN', undefined, 'de-DE')).toEqual({ ok: false, message: expect.any(String) });
  });

  it('reads a space-grouped amount in fr-FR, where the group separator is a narrow no-break space', () => {
    expect(parseAmount('1 234,56', 'NGN', undefined, 'fr-FR')).toEqual({ ok: true, minor: 123_456 });
    expect(parseAmount('1\u202f234,56', 'NGN', undefined, 'fr-FR')).toEqual({ ok: true, minor: 123_456 });
  });

  it('reads whole amounts only for a currency without minor units', () => {
    expect(parseAmount('1,234', 'JPY', undefined, 'en-US')).toEqual({ ok: true, minor: 1234 });
    expect(parseAmount('12.5', 'JPY', undefined, 'en-US')).toEqual({ ok: false, message: expect.any(String) });
  });

  it('refuses more than the ceiling it is given', () => {
    expect(parseAmount('100.01', 'NGN', 10_000, 'en-US')).toEqual({ ok: false, message: 'At most ₦100.00' });
  });
});

describe('formatMoney: minor units in the currency symbol and minor digits', () => {
  it('writes naira, dollars and negative amounts from their digits', () => {
    expect(formatMoney(123_456, 'NGN', 'en-GB')).toBe('₦1,234.56');
    expect(formatMoney(-250, 'NGN', 'en-GB')).toBe('-₦2.50');
    expect(formatMoney(5, 'USD', 'en-US')).toBe('$0.05');
    expect(formatMoney(9_007_199_254_740_991, 'EUR', 'en-GB')).toBe('€90,071,992,547,409.91');
    expect(toDecimalString(-7, 'GBP')).toBe('-0.07');
  });
});
