import { describe as describeError, fieldLabel } from '../web/api/errors';
import { axisLabel, formatDate, formatTime } from '../web/format/dates';
import { amountLimitOf, parseAmount } from '../web/format/money';
import { isShowable, showable } from '../../common/src/unshowable';
import { PASSWORD_HINT, passwordProblem, typeLabel } from '../web/format/text';

// The page's wording and checks (websocket/web/format, api/http.ts): pure functions, so tested directly.
describe('a new password, checked on the page as bank-core checks it', () => {
  it('names the 72-byte limit in the hint', () => {
    expect(PASSWORD_HINT).toContain('72 bytes');
    expect(PASSWORD_HINT).not.toContain('128');
  });

  it('refuses fewer than 8 characters and more than 72 bytes, counting accented letters and emoji in bytes', () => {
    expect(passwordProblem('short')).toBe('At least 8 characters');
    expect(passwordProblem('a'.repeat(72))).toBeNull();
    expect(passwordProblem('a'.repeat(73))).toMatch(/^Too long: 73 bytes, at most 72/);
    expect(passwordProblem('é'.repeat(40))).toMatch(/^Too long: 80 bytes/); // 40 characters, 80 bytes
    expect(passwordProblem('correct horse battery')).toBeNull();
  });
});

describe("bank-core's refusals in plain words", () => {
  it('names the field and the reason, not the request envelope', () => {
    const body = {
      error: {
        code: 'VALIDATION',
        message: 'Invalid request body',
        details: [{ path: 'body.toAccountNumber', message: 'Must be 10 digits' }],
      },
    };
    expect(describeError(body, 400).message).toBe('To account number: Must be 10 digits');
    expect(fieldLabel('body.amount')).toBe('Amount');
  });

  it("reads bank-core's amount limit from a refusal's details", () => {
    expect(amountLimitOf([{ path: 'body.amount', message: 'At most 10000000000 minor units per transaction' }])).toBe(10_000_000_000);
    expect(amountLimitOf([{ path: 'body.narration', message: 'At most 140 characters' }])).toBeNull();
    expect(amountLimitOf(undefined)).toBeNull();
  });

  it('never shows the safe-integer bound as a limit before bank-core has named one', () => {
    expect(parseAmount('100000000000000', 'NGN', undefined, 'en-US')).toEqual({ ok: false, message: 'That amount is too large' });
    expect(parseAmount('100000000.01', 'NGN', 10_000_000_000, 'en-US')).toEqual({ ok: false, message: 'At most ₦100,000,000.00' });
  });
});

describe('labels', () => {
  it('writes a transaction type capitalised, as History does', () => {
    expect(typeLabel('deposit')).toBe('Deposit');
    expect(typeLabel('withdrawal')).toBe('Withdrawal');
  });

  it('labels a chart axis within one day by time, and a longer one by date', () => {
    const at = Date.parse('2026-11-30T10:15:00Z');
    expect(axisLabel(at, 60 * 60 * 1000)).toBe(formatTime(new Date(at)));
    expect(axisLabel(at, 30 * 24 * 60 * 60 * 1000)).toBe(formatDate(new Date(at)));
    expect(axisLabel(at, 60 * 1000)).not.toBe(axisLabel(at + 5 * 60 * 1000, 60 * 1000));
  });
});

describe("the page's own reports", () => {
  it('replace what staff must not be shown, keeping line feeds, so the websocket service accepts them', () => {
    const cleaned = showable('TypeError at \u202eevil\r\n    at main.js\u0000\t');
    expect(cleaned).toBe('TypeError at \ufffdevil\n    at main.js\ufffd\ufffd');
    expect(isShowable(cleaned, { lineBreaks: true })).toBe(true);
  });
});
