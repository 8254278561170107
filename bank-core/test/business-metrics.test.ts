import { randomUUID } from 'node:crypto';
import { REFUSAL_CODES } from '../src/middlewares/error-handler.middleware';
import { CURRENCY_CODES } from '../src/utils/currencies';
import { POSTING_KINDS } from '../src/utils/metrics';
import { createAdmin, createUser, type TestUser } from './support/factories';
import { parseMetrics, valueOf } from './support/metrics-text';
import { deposit, transfer } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const scrape = async (app = t) => {
  const res = await app.http.get('/metrics').expect(200);
  return res.text;
};

/** What each business counter reads now, so a test can check what its own requests added. */
async function counters(app = t) {
  const text = await scrape(app);
  const read = (name: string, labels: Record<string, string>) => valueOf(text, name, labels) ?? 0;
  return {
    transfers: (kind: string, currency = 'NGN') => read('bank_transfers_total', { kind, currency }),
    amount: (kind: string, currency = 'NGN') => read('bank_amount_minor_units_total', { kind, currency }),
    refusals: (reason: string) => read('bank_refusals_total', { reason }),
  };
}

const sendWithKey = (user: TestUser, key: string, body: Record<string, unknown>) =>
  t.http.post('/api/transactions/send').set(user.auth).set('Idempotency-Key', key).send(body);

describe('business metrics on /metrics', () => {
  it('counts each accepted deposit, withdrawal, transfer and reversal once, by kind and currency, with its amount', async () => {
    const admin = await createAdmin(t);
    const alice = await createUser(t);
    const bob = await createUser(t);
    const dollars = await t.http.post('/api/accounts').set(alice.auth).send({ currency: 'USD' }).expect(201);
    const before = await counters();

    await deposit(t, alice, 1_000);
    await deposit(t, alice, 250, dollars.body.id);
    await t.http.post('/api/transactions/withdraw').set(alice.auth).send({ accountId: alice.account.id, amount: 200 }).expect(201);
    const sent = await transfer(t, alice, bob, 300);
    await t.http.post(`/api/transactions/${sent.body.id}/reverse`).set(admin.auth).send({ reason: 'Sent by mistake' }).expect(201);

    const after = await counters();
    const added = (kind: string, currency = 'NGN') => ({
      count: after.transfers(kind, currency) - before.transfers(kind, currency),
      amount: after.amount(kind, currency) - before.amount(kind, currency),
    });
    expect(added('deposit')).toEqual({ count: 1, amount: 1_000 });
    expect(added('deposit', 'USD')).toEqual({ count: 1, amount: 250 });
    expect(added('withdrawal')).toEqual({ count: 1, amount: 200 });
    expect(added('transfer')).toEqual({ count: 1, amount: 300 });
    expect(added('reversal')).toEqual({ count: 1, amount: 300 });
  });

  it('a retry with the same Idempotency-Key is answered again but not counted again', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 1_000);
    const body = { fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 400 };
    const key = randomUUID();
    const before = await counters();

    await sendWithKey(alice, key, body).expect(201);
    const retry = await sendWithKey(alice, key, body).expect(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');

    const after = await counters();
    expect(after.transfers('transfer') - before.transfers('transfer')).toBe(1);
    expect(after.amount('transfer') - before.amount('transfer')).toBe(400);
  });

  it('movements sent at once (group-committed together) are each counted once, refused ones not at all', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 1_000);
    const before = await counters();

    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        t.http
          .post('/api/transactions/send')
          .set(alice.auth)
          .send({ fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 50 }),
      ),
    );
    const accepted = answers.filter((res) => res.status === 201).length;
    expect(accepted).toBe(20);

    const after = await counters();
    expect(after.transfers('transfer') - before.transfers('transfer')).toBe(accepted);
    expect(after.amount('transfer') - before.amount('transfer')).toBe(accepted * 50);
    expect(after.refusals('INSUFFICIENT_FUNDS') - before.refusals('INSUFFICIENT_FUNDS')).toBe(30 - accepted);
  });

  it('a refused movement is counted as a refusal by its error code, and not as a posting', async () => {
    const alice = await createUser(t);
    await deposit(t, alice, 100);
    const before = await counters();

    const overdrawn = await t.http.post('/api/transactions/withdraw').set(alice.auth).send({ accountId: alice.account.id, amount: 500 });
    expect(overdrawn.status).toBe(422);
    const invalid = await t.http.post('/api/transactions/withdraw').set(alice.auth).send({ accountId: alice.account.id, amount: 0 });
    expect(invalid.status).toBe(400);
    await t.http.get('/api/accounts').expect(401);

    const after = await counters();
    expect(after.refusals('INSUFFICIENT_FUNDS') - before.refusals('INSUFFICIENT_FUNDS')).toBe(1);
    expect(after.refusals('VALIDATION') - before.refusals('VALIDATION')).toBe(1);
    expect(after.refusals('UNAUTHORIZED') - before.refusals('UNAUTHORIZED')).toBe(1);
    expect(after.transfers('withdrawal') - before.transfers('withdrawal')).toBe(0);
  });

  it('requests past the rate limit are counted as RATE_LIMITED refusals', async () => {
    const limited = await startTestApp({ API_RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await limited.http.get('/api/accounts')).status);
      expect(statuses).toEqual([401, 401, 429, 429, 429]);
      const text = await scrape(limited);
      expect(valueOf(text, 'bank_refusals_total', { reason: 'RATE_LIMITED' })).toBe(3);
      expect(valueOf(text, 'bank_refusals_total', { reason: 'UNAUTHORIZED' })).toBe(2);
    } finally {
      await limited.close();
    }
  }, 60_000);

  it('every label value comes from a closed list, whatever the requests sent', async () => {
    const alice = await createUser(t);
    await t.http.get(`/no/such/route/${randomUUID()}`).expect(404);
    await t.http.post('/api/transactions/deposit').set(alice.auth).send({ accountId: alice.account.id, amount: 5, currency: 'XXX' });
    await t.http.post('/api/accounts').set(alice.auth).send({ currency: 'BTC' }).expect(400);

    const samples = parseMetrics(await scrape());
    const ofName = (name: string) => samples.filter((sample) => sample.name === name);
    const postingSeries = [...ofName('bank_transfers_total'), ...ofName('bank_amount_minor_units_total')];
    // Known from the start (at zero), so a first posting shows in rate() and increase().
    expect(ofName('bank_transfers_total')).toHaveLength(POSTING_KINDS.length * CURRENCY_CODES.length);
    for (const { labels } of postingSeries) {
      expect(POSTING_KINDS).toContain(labels.kind);
      expect(CURRENCY_CODES).toContain(labels.currency);
    }
    expect(
      ofName('bank_refusals_total')
        .map(({ labels }) => labels.reason)
        .sort(),
    ).toEqual([...REFUSAL_CODES].sort());
  });
});
