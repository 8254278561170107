import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import winston from 'winston';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { postMovements, type MovementRequest } from '../src/repositories/movement.repository';
import { createLedgerService } from '../src/services/ledger.service';
import { createUser } from './support/factories';
import { balanceOf, deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

// Group commit (ledger_post_movements, migration 007) is how every deposit, withdrawal and transfer is
// written, on both drivers; these tests run it directly and through the service, so it can never silently
// fall back to one-by-one.
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const request = (
  overrides: Partial<MovementRequest> & Pick<MovementRequest, 'type' | 'initiatedBy' | 'accountId' | 'amount'>,
): MovementRequest => ({
  id: randomUUID(),
  reference: `TXTEST${randomUUID().slice(0, 8).toUpperCase()}`,
  recipientNumber: null,
  narration: null,
  requestId: randomUUID(),
  idempotencyKey: null,
  requestHash: null,
  ...overrides,
});

describe('ledger_post_movements', () => {
  it('applies a batch in order, each movement whole or refused whole with its reason, and leaves a sound ledger', async () => {
    const alice = await createUser(t, { name: 'Alice' });
    const bob = await createUser(t, { name: 'Bob' });
    const usd = await t.http.post('/api/accounts').set(bob.auth).send({ currency: 'USD' }).expect(201);
    const closed = await t.http.post('/api/accounts').set(bob.auth).send({}).expect(201);
    await t.http.delete(`/api/accounts/${closed.body.id}`).set(bob.auth).expect(200);
    const key = randomUUID();
    const transfer = (amount: number, recipientNumber: string, extra: Partial<MovementRequest> = {}) =>
      request({ type: 'transfer', initiatedBy: alice.id, accountId: alice.account.id, recipientNumber, amount, ...extra });

    const outcomes = await postMovements(t.db, [
      request({ type: 'deposit', initiatedBy: alice.id, accountId: alice.account.id, amount: 100 }),
      transfer(150, bob.account.accountNumber),
      transfer(60, bob.account.accountNumber, { idempotencyKey: key, requestHash: 'h1', narration: 'Rent' }),
      transfer(1, bob.account.accountNumber, { idempotencyKey: key, requestHash: 'h1' }),
      transfer(1, '9999999999'),
      transfer(1, alice.account.accountNumber),
      transfer(1, usd.body.accountNumber),
      transfer(1, closed.body.accountNumber),
      transfer(1, '0000000001'), // the NGN settlement account's number: not a customer's
      request({ type: 'withdrawal', initiatedBy: bob.id, accountId: alice.account.id, amount: 1 }),
      request({ type: 'withdrawal', initiatedBy: bob.id, accountId: closed.body.id, amount: 1 }),
      request({ type: 'withdrawal', initiatedBy: bob.id, accountId: bob.account.id, amount: 60 }),
    ]);

    expect(outcomes.map((outcome) => outcome.outcome)).toEqual([
      'ok',
      'insufficient_funds',
      'ok',
      'in_progress',
      'recipient_not_found',
      'same_account',
      'currency_mismatch',
      'recipient_not_found',
      'recipient_not_found',
      'not_found',
      'closed',
      'ok',
    ]);
    expect(outcomes[0]).toMatchObject({
      currency: 'NGN',
      balanceAfter: 100,
      from: null,
      to: { accountNumber: alice.account.accountNumber, name: 'Alice' },
    });
    expect(outcomes[1]).toMatchObject({ detail: { accountNumber: alice.account.accountNumber, balance: 100, amount: 150 } });
    expect(outcomes[2]).toMatchObject({
      balanceAfter: 40,
      from: { name: 'Alice' },
      to: { accountNumber: bob.account.accountNumber, name: 'Bob' },
    });
    expect(outcomes[6]).toMatchObject({ detail: { from: 'NGN', to: 'USD' } });
    expect(outcomes[11]).toMatchObject({ balanceAfter: 0, from: { name: 'Bob' }, to: null });
    expect(await balanceOf(t, alice)).toBe(40);
    expect(await balanceOf(t, bob)).toBe(0);

    // The same key again, in a later batch: the movement is not made twice.
    const [again] = await postMovements(t.db, [transfer(60, bob.account.accountNumber, { idempotencyKey: key, requestHash: 'h1' })]);
    expect(again).toEqual({ outcome: 'replay', stored: null }); // its answer was never stored here
    const [other] = await postMovements(t.db, [transfer(60, bob.account.accountNumber, { idempotencyKey: key, requestHash: 'h2' })]);
    expect(other).toMatchObject({ outcome: 'key_mismatch' });

    const { rows } = await t.db.query<{ payload: Record<string, unknown> }>(
      `SELECT o.payload FROM outbox_events o JOIN transactions x ON x.id = o.transaction_id WHERE x.initiated_by = $1 ORDER BY o.id`,
      [alice.id],
    );
    expect(rows.map((row) => row.payload)).toEqual([
      expect.objectContaining({
        transactionType: 'deposit',
        currency: 'NGN',
        legs: [
          {
            accountId: alice.account.id,
            accountNumber: alice.account.accountNumber,
            userId: alice.id,
            amount: 100,
            balanceAfter: 100,
            counterparty: null,
          },
        ],
      }),
      expect.objectContaining({
        transactionType: 'transfer',
        narration: 'Rent',
        legs: [
          {
            accountId: alice.account.id,
            accountNumber: alice.account.accountNumber,
            userId: alice.id,
            amount: -60,
            balanceAfter: 40,
            counterparty: { accountNumber: bob.account.accountNumber, name: 'Bob' },
          },
          {
            accountId: bob.account.id,
            accountNumber: bob.account.accountNumber,
            userId: bob.id,
            amount: 60,
            balanceAfter: 60,
            counterparty: { accountNumber: alice.account.accountNumber, name: 'Alice' },
          },
        ],
      }),
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
    const ledger = createLedgerService({ db: t.db, logger });
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
