import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdmin, createUser, type TestUser } from '../../bank-core/test/support/factories';
import { deposit } from '../../bank-core/test/support/money';
import { startTestApp, type TestApp } from '../../bank-core/test/support/test-app';
import { setUserRole } from '../../bank-core/src/repositories/user.repository';
import { eventually } from '../../bank-core/test/support/eventually';
import { freePort } from './support/fake-bank-core';
import { authedClient, openClient, type TestClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

// The real bank-core (fresh database, same JWT secret as the websocket test defaults) on a real port.
let core: TestApp;
let server: Server;
let coreUrl: string;
let service: TestService;

const feedEnv = () => ({ BANK_CORE_URL: coreUrl, WS_FEED_ENABLED: 'true', WS_FEED_RETRY_MAX_MS: '200' });

beforeAll(async () => {
  core = await startTestApp();
  server = core.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  coreUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  service = await startService(feedEnv());
  await eventually(() => (service.running.feed?.status().connected ? true : undefined));
});
afterAll(async () => {
  await service.stop();
  core.services.feed.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await core.close();
});

const send = async (from: TestUser, to: TestUser, amount: number) => {
  const res = await core.http
    .post('/api/transactions/send')
    .set(from.auth)
    .send({ fromAccountId: from.account.id, toAccountNumber: to.account.accountNumber, amount, narration: 'e2e' });
  if (res.status !== 201) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { body: res.body, requestId: res.headers['x-request-id'] as string };
};
const transfersOf = (client: TestClient) => client.messages.filter((message) => message.type === 'account.transaction');

describe('against the real bank-core', () => {
  it("both sides of a transfer get their leg within a second, tied to bank-core's request id", async () => {
    const [alice, bob] = await Promise.all([createUser(core, { name: 'Alice' }), createUser(core, { name: 'Bob' })]);
    const [aliceTab, bobTab] = await Promise.all([authedClient(service.wsUrl, alice.token), authedClient(service.wsUrl, bob.token)]);
    await deposit(core, alice, 50_000);
    await aliceTab.next((m) => m.type === 'account.transaction' && m.transactionType === 'deposit', 1_000);

    const started = Date.now();
    const { requestId } = await send(alice, bob, 12_345);
    const [out, incoming] = await Promise.all([
      aliceTab.next((m) => m.transactionType === 'transfer', 1_000),
      bobTab.next((m) => m.transactionType === 'transfer', 1_000),
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(out).toMatchObject({ accountId: alice.account.id, amount: -12_345, balanceAfter: 50_000 - 12_345, currency: 'NGN', requestId });
    expect(out.counterparty).toMatchObject({ accountNumber: bob.account.accountNumber });
    expect(incoming).toMatchObject({ accountId: bob.account.id, amount: 12_345, balanceAfter: 12_345, requestId, eventId: out.eventId });
    expect(transfersOf(bobTab)).toHaveLength(1);

    const line = await eventually(() =>
      service.lines('interactions').find((entry) => entry.userId === bob.id && entry.requestId === requestId),
    );
    expect(line).toMatchObject({ type: 'account.transaction' });
    await Promise.all([aliceTab.close(), bobTab.close()]);
  });

  it('a websocket restart in the middle of a stream of transfers loses none of them', async () => {
    const [alice, bob] = await Promise.all([createUser(core), createUser(core)]);
    await deposit(core, alice, 100_000);
    const sent: string[] = [];
    const sendSome = async (count: number) => {
      for (let i = 0; i < count; i += 1) sent.push((await send(alice, bob, 100 + i)).body.id as string);
    };
    await sendSome(3);
    await service.stop();
    await sendSome(4); // while the websocket service is down
    service = await startService({ ...feedEnv(), WS_DATA_DIR: service.config.dataDir });
    const bobTab = await authedClient(service.wsUrl, bob.token);
    await sendSome(3);

    // Every transfer is in bob's activity log exactly once, in order, across both service lifetimes.
    const received = await eventually(() => {
      const ids = service
        .lines('interactions')
        .filter((entry) => entry.userId === bob.id && entry.type === 'account.transaction')
        .map((entry) => (entry.data as { transactionId: string }).transactionId);
      return ids.length >= sent.length ? ids : undefined;
    });
    expect(received).toEqual(sent);
    // The live socket got the ones sent after it connected.
    await eventually(() => (transfersOf(bobTab).length >= 3 ? true : undefined), 1_000);
    expect(
      transfersOf(bobTab)
        .map((m) => m.transactionId)
        .slice(-3),
    ).toEqual(sent.slice(-3));
    await bobTab.close();
  });

  it("a logout in bank-core ends the user's socket at the next session check, and refuses its token at auth", async () => {
    const quick = await startService({ ...feedEnv(), WS_FEED_ENABLED: 'false', WS_SESSION_CHECK_INTERVAL_MS: '100' });
    try {
      const user = await createUser(core);
      const tab = await authedClient(quick.wsUrl, user.token);
      await core.http.post('/api/users/logout').set(user.auth).send({ refreshToken: user.refreshToken }).expect(204);
      expect((await tab.closed).code).toBe(4401);
      const again = await openClient(quick.wsUrl);
      again.send({ type: 'auth', token: user.token });
      expect(await again.next()).toMatchObject({ type: 'auth', status: 'error' });
    } finally {
      await quick.stop();
    }
  });

  it("an admin token from bank-core reads everyone's activity, until the role is revoked: then at once only their own", async () => {
    const admin = await createAdmin(core);
    const res = await service.http.get('/api/websocket/interactions?limit=200').set(admin.auth).expect(200);
    expect(new Set(res.body.items.map((item: { userId: string }) => item.userId)).size).toBeGreaterThan(1);
    await setUserRole(core.db, admin.email, 'customer');
    await eventually(async () => {
      const after = await service.http.get('/api/websocket/interactions?limit=200').set(admin.auth).expect(200);
      return after.body.items.every((item: { userId: string }) => item.userId === admin.id) ? true : undefined;
    }, 1_000);
  });
});

describe('cold start', () => {
  it('a websocket service started before bank-core connects its feed within a second of bank-core becoming ready', async () => {
    const port = await freePort();
    // The default backoff ceiling (30 s): by the time bank-core comes up, the plain backoff would be waiting 4-8 s.
    const early = await startService({ BANK_CORE_URL: `http://127.0.0.1:${port}`, WS_FEED_ENABLED: 'true' });
    let late: Server | undefined;
    try {
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      expect(early.running.feed?.status().connected).toBe(false);
      late = core.app.listen(port, '127.0.0.1');
      await new Promise((resolve) => late!.once('listening', resolve));
      const ready = Date.now();
      await eventually(() => (early.running.feed?.status().connected ? true : undefined), 10_000);
      expect(Date.now() - ready).toBeLessThan(1_000);
    } finally {
      await early.stop();
      late?.closeAllConnections();
      await new Promise((resolve) => (late ? late.close(resolve) : resolve(undefined)));
    }
  });
});
