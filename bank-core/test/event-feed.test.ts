import type { TransactionPostedEvent } from '@bank/common';
import { createUser } from './support/factories';
import { deposit } from './support/money';
import { listenForFeed, type FeedHost } from './support/feed-readers';
import { startTestApp, type TestApp } from './support/test-app';

let host: FeedHost;
let t: TestApp;
let serviceAuth: Record<string, string>;
beforeAll(async () => {
  host = await listenForFeed(await startTestApp());
  t = host.t;
  serviceAuth = host.serviceAuth;
});
afterAll(() => host.close());

const feed = (headers: Record<string, string> = {}, query = '') => host.follow(undefined, { headers, query });

const parse = (data: string) => JSON.parse(data) as TransactionPostedEvent;

describe('GET /internal/events', () => {
  it('refuses a missing token and a user access token', async () => {
    const user = await createUser(t);
    expect((await t.http.get('/internal/events')).status).toBe(401);
    expect((await t.http.get('/internal/events').set(user.auth)).status).toBe(401);
    expect((await t.http.post('/internal/sessions/check').set(user.auth).send({ sessionId: user.id })).status).toBe(401);
  });

  it('streams each committed transaction with both legs, balances after and the request id', async () => {
    const alice = await createUser(t, { name: 'Alice' });
    const bob = await createUser(t, { name: 'Bob' });
    await deposit(t, alice, 1_000);
    const stream = await feed();
    const sent = await t.http
      .post('/api/transactions/send')
      .set(alice.auth)
      .send({ fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 250, narration: 'Books' })
      .expect(201);

    const [event] = await stream.next(1);
    expect(event!.event).toBe('transaction.posted');
    expect(event!.id).toMatch(/^[1-9]\d*$/);
    const body = parse(event!.data);
    expect(body).toMatchObject({
      type: 'transaction.posted',
      transactionType: 'transfer',
      currency: 'NGN',
      narration: 'Books',
      requestId: sent.headers['x-request-id'],
      eventId: expect.any(String),
      transactionId: expect.any(String),
      createdAt: expect.any(String),
    });
    expect(body.legs).toEqual([
      {
        accountId: alice.account.id,
        accountNumber: alice.account.accountNumber,
        userId: alice.id,
        amount: -250,
        balanceAfter: 750,
        counterparty: { accountNumber: bob.account.accountNumber, name: 'Bob' },
      },
      {
        accountId: bob.account.id,
        accountNumber: bob.account.accountNumber,
        userId: bob.id,
        amount: 250,
        balanceAfter: 250,
        counterparty: { accountNumber: alice.account.accountNumber, name: 'Alice' },
      },
    ]);
  });

  it('resumes after Last-Event-ID with nothing lost and nothing repeated', async () => {
    const alice = await createUser(t);
    const first = await feed();
    await deposit(t, alice, 1);
    await deposit(t, alice, 2);
    const [one] = await first.next(1);
    first.stop();
    await deposit(t, alice, 3);

    const resumed = await feed({ 'Last-Event-ID': one!.id! });
    const events = await resumed.next(2);
    expect(events.map((event) => parse(event.data).legs[0]!.amount)).toEqual([2, 3]);
    const viaQuery = await feed({}, `?after=${one!.id}`);
    expect((await viaQuery.next(2)).map((event) => event.id)).toEqual(events.map((event) => event.id));
  });

  it('a reader without a position starts after what is already there', async () => {
    const alice = await createUser(t);
    await deposit(t, alice, 11);
    const stream = await feed();
    await deposit(t, alice, 12);
    const [event] = await stream.next(1);
    expect(parse(event!.data).legs[0]!.amount).toBe(12);
  });

  it('refuses a position it never handed out, out of range or not in canonical form, with 400 (never a 500)', async () => {
    const alice = await createUser(t);
    const stream = await feed();
    await deposit(t, alice, 5);
    const last = BigInt((await stream.next(1))[0]!.id!);
    const positions = [
      'garbage',
      '1-2-3',
      '-1',
      '01',
      '1.5',
      '+1',
      String(last + 1n),
      '9223372036854775807', // BIGINT's largest, never handed out
      '9223372036854775808', // past BIGINT
      '99999999999999999999',
      '18446744073709551616-1', // an old position whose transaction id is past XID8
      '99999999999999999999-1',
      '1-9223372036854775808', // an old position whose event id is past BIGINT
      '1-99999999999999999999',
    ];
    for (const position of positions) {
      const viaHeader = await t.http.get('/internal/events').set(serviceAuth).set('Last-Event-ID', position);
      const viaQuery = await t.http.get('/internal/events').set(serviceAuth).query({ after: position });
      for (const res of [viaHeader, viaQuery]) {
        expect({ position, status: res.status, code: res.body.error?.code }).toEqual({ position, status: 400, code: 'VALIDATION' });
      }
    }
  });
});
