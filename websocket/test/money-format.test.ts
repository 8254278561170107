import { formatMoney, parseAmount, toDecimalString } from '../web/format/money';

// The page's money rules (websocket/web/format/money.ts): pure functions, so tested directly.
describe('parseAmount: typed major units to integer minor units, never through a float', () => {
  it.each([
    ['1,234.56', 123_456],
    [' 0.5 ', 50],
    ['.75', 75],
    ['100', 10_000],
    ['0.29', 29], // 0.29 * 100 is 28.999999999999996 as a float
    ['1.1', 110],
    ['90071992547409.91', 9_007_199_254_740_991],
  ])('reads %s NGN as %i kobo', (text, minor) => {
    expect(parseAmount(text, 'NGN')).toEqual({ ok: true, minor });
  });

  it.each([['0'], ['0.00'], [''], ['1.234'], ['-5'], ['1e3'], ['12abc'], ['1.2.3']])('refuses %p with a message', (text) => {
    expect(parseAmount(text, 'NGN')).toEqual({ ok: false, message: expect.any(String) });
  });

  it('refuses more than the ceiling it is given', () => {
    expect(parseAmount('100.01', 'NGN', 10_000)).toEqual({ ok: false, message: 'At most ₦100.00' });
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
