import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TransactionPostedEvent } from '@bank/common';
import { createUser } from './support/factories';
import { deposit } from './support/money';
import { openSse } from './support/sse-client';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
let server: Server;
let baseUrl: string;
let serviceAuth: Record<string, string>;
const streams: { stop(): void }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  serviceAuth = { Authorization: `Bearer ${t.services.serviceTokens.sign('websocket')}` };
});
afterAll(async () => {
  streams.forEach((stream) => stream.stop());
  t.services.feed.close();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

async function feed(headers: Record<string, string> = {}, query = '') {
  const stream = await openSse(`${baseUrl}/internal/events${query}`, { ...serviceAuth, ...headers });
  streams.push(stream);
  return stream;
}

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
    await t.http
      .post('/api/transactions/send')
      .set(alice.auth)
      .set('X-Request-Id', 'req-transfer-1')
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
      requestId: 'req-transfer-1',
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

  it('refuses a position it never handed out', async () => {
    const res = await t.http.get('/internal/events').set(serviceAuth).set('Last-Event-ID', 'garbage');
    expect(res.status).toBe(400);
  });
});

describe('POST /internal/sessions/check', () => {
  it('says whether a login session is still live', async () => {
    const user = await createUser(t);
    const sessionId = t.services.accessTokens.verify(user.token).sessionId;
    const live = await t.http.post('/internal/sessions/check').set(serviceAuth).send({ sessionId });
    expect(live.body).toEqual({ active: true });
    await t.http.post('/api/users/logout').send({ refreshToken: user.refreshToken }).expect(204);
    const ended = await t.http.post('/internal/sessions/check').set(serviceAuth).send({ sessionId });
    expect(ended.body).toEqual({ active: false });
  });
});
