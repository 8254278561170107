import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import winston from 'winston';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { findSettlementAccountId, postTransactions, type Posting } from '../src/repositories/ledger.repository';
import { createLedgerService } from '../src/services/ledger.service';
import { createUser } from './support/factories';
import { balanceOf, deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

// Group commit (ledger_post_batch) is what the embedded database uses under load; these tests run it on
// both drivers, directly and through the service, so it can never silently fall back to one-by-one.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const posting = (type: Posting['type'], legs: [string, number][], userId: string): Posting => ({
  id: randomUUID(),
  type,
  amount: Math.abs(legs[0]![1]),
  currency: 'NGN',
  narration: null,
  reference: `TXTEST${randomUUID().slice(0, 8).toUpperCase()}`,
  initiatedBy: userId,
  requestId: `req-${type}`,
  reversesId: null,
  idempotencyKey: null,
  legs: legs.map(([accountId, amount]) => ({ accountId, amount })),
  event: { type: 'transaction.posted', legs: legs.map(([accountId, amount]) => ({ accountId, amount })) },
});

describe('ledger_post_batch', () => {
  it('applies postings in order, each whole or refused whole, and leaves a sound ledger', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const settlement = await findSettlementAccountId(t.db, 'NGN');
    const results = await postTransactions(t.db, [
      posting(
        'deposit',
        [
          [settlement, -100],
          [alice.account.id, 100],
        ],
        alice.id,
      ),
      posting(
        'transfer',
        [
          [alice.account.id, -150],
          [bob.account.id, 150],
        ],
        alice.id,
      ),
      posting(
        'transfer',
        [
          [alice.account.id, -60],
          [bob.account.id, 60],
        ],
        alice.id,
      ),
      posting(
        'transfer',
        [
          [bob.account.id, -10],
          ['00000000-0000-4000-8000-000000000000', 10],
        ],
        bob.id,
      ),
    ]);

    expect(results[0]).toMatchObject({ ok: true, balancesAfter: [expect.any(Number), 100] });
    expect(results[1]).toEqual({ ok: false, reason: 'insufficient_funds', accountId: alice.account.id, balance: 100 });
    expect(results[2]).toMatchObject({ ok: true, balancesAfter: [40, 60] });
    expect(results[3]).toMatchObject({ ok: false, reason: 'unavailable', accountId: '00000000-0000-4000-8000-000000000000' });
    expect(await balanceOf(t, alice)).toBe(40);
    expect(await balanceOf(t, bob)).toBe(60);

    const { rows } = await t.db.query<{ payload: { legs: { amount: number; balanceAfter: number }[] } }>(
      `SELECT o.payload FROM outbox_events o JOIN transactions x ON x.id = o.transaction_id WHERE x.initiated_by = $1 ORDER BY o.id`,
      [alice.id],
    );
    expect(rows.map((row) => row.payload.legs.map((leg) => [leg.amount, leg.balanceAfter]))).toEqual([
      [
        [-100, expect.any(Number)],
        [100, 100],
      ],
      [
        [-60, 40],
        [60, 60],
      ],
    ]);
    expect((await auditLedger(t.db)).flatMap((check) => check.violations)).toEqual([]);
  });
});

describe('the ledger service with group commit', () => {
  it('writes concurrent postings together, in fewer database transactions than postings, with nothing lost', async () => {
    // A failed batch would be logged, then written posting by posting: the test must see that happen.
    const warnings: string[] = [];
    const capture = new Writable({
      write(line, _encoding, done) {
        warnings.push(String(line));
        done();
      },
    });
    const logger = winston.createLogger({ level: 'warn', transports: [new winston.transports.Stream({ stream: capture })] });
    const ledger = createLedgerService({ db: t.db, logger, groupCommit: true });
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 1_000);

    const sends = await Promise.allSettled(
      Array.from({ length: 60 }, () =>
        ledger.send(
          { userId: alice.id, requestId: null },
          { fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 20 },
        ),
      ),
    );
    expect(sends.filter((result) => result.status === 'fulfilled')).toHaveLength(50);
    expect(
      sends.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((result) => result.reason.code),
    ).toEqual(Array(10).fill('INSUFFICIENT_FUNDS'));
    expect(await balanceOf(t, alice)).toBe(0);
    expect(await balanceOf(t, bob)).toBe(1_000);

    // Postings of one batch share their database transaction, hence its start time.
    const { rows } = await t.db.query<{ batches: unknown }>(
      `SELECT count(DISTINCT created_at) AS batches FROM transactions WHERE initiated_by = $1 AND type = 'transfer'`,
      [alice.id],
    );
    expect(Number(rows[0]!.batches)).toBeLessThan(50);
    expect(warnings).toEqual([]);
    logger.warn('the capture works'); // proves the empty list above is not a deaf capture
    expect(warnings).toHaveLength(1);
    expect((await auditLedger(t.db)).flatMap((check) => check.violations)).toEqual([]);
  });
});
