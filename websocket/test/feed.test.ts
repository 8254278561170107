import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../../bank-core/test/support/eventually';
import { startFakeBankCore, transferEvent, type FakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { authedClient, type TestClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

let bank: FakeBankCore;
beforeAll(async () => {
  bank = await startFakeBankCore({ keepaliveMs: 100 });
});
afterAll(() => bank.close());

const feedEnv = () => ({ BANK_CORE_URL: bank.url, WS_FEED_ENABLED: 'true', WS_FEED_RETRY_MAX_MS: '200', WS_FEED_IDLE_TIMEOUT_MS: '1000' });
const transactions = (client: TestClient) => client.messages.filter((message) => message.type === 'account.transaction');

/** Waits until the service's feed consumer has a live connection to the fake bank-core. */
async function connected(service: TestService) {
  await eventually(() => (service.running.feed?.status().connected ? true : undefined));
}

describe('live account events', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService(feedEnv());
    await connected(service);
  });
  afterAll(() => service.stop());

  it('pushes each leg of a transfer to the sockets of its owner, both sides, and logs it with the request id', async () => {
    const sender = mintToken();
    const receiver = mintToken();
    const senderTab1 = await authedClient(service.wsUrl, sender.token);
    const senderTab2 = await authedClient(service.wsUrl, sender.token);
    const receiverTab = await authedClient(service.wsUrl, receiver.token);
    const event = transferEvent({ userId: sender.userId }, { userId: receiver.userId }, 2_500);
    bank.publish(event);

    const expected = (leg: 0 | 1) => ({
      type: 'account.transaction',
      eventId: event.eventId,
      transactionId: event.transactionId,
      accountId: event.legs[leg]!.accountId,
      accountNumber: event.legs[leg]!.accountNumber,
      transactionType: 'transfer',
      amount: leg === 0 ? -2_500 : 2_500,
      currency: 'NGN',
      balanceAfter: event.legs[leg]!.balanceAfter,
      counterparty: event.legs[leg]!.counterparty,
      narration: 'rent',
      createdAt: event.createdAt,
      requestId: event.requestId,
    });
    expect(await senderTab1.next((m) => m.type === 'account.transaction', 1_000)).toEqual(expected(0));
    expect(await senderTab2.next((m) => m.type === 'account.transaction', 1_000)).toEqual(expected(0));
    expect(await receiverTab.next((m) => m.type === 'account.transaction', 1_000)).toEqual(expected(1));

    const line = await eventually(() => service.lines('interactions').find((entry) => entry.userId === receiver.userId));
    expect(line).toMatchObject({
      type: 'account.transaction',
      requestId: event.requestId,
      data: { eventId: event.eventId, amount: 2_500, deliveredTo: 1 },
    });
    await Promise.all([senderTab1.close(), senderTab2.close(), receiverTab.close()]);
  });

  it('does not push a redelivered event twice, and sends nothing to other users', async () => {
    const sender = mintToken();
    const receiver = mintToken();
    const bystander = mintToken();
    const [senderTab, bystanderTab] = await Promise.all([
      authedClient(service.wsUrl, sender.token),
      authedClient(service.wsUrl, bystander.token),
    ]);
    const first = transferEvent({ userId: sender.userId }, { userId: receiver.userId });
    const second = transferEvent({ userId: sender.userId }, { userId: receiver.userId });
    bank.publish(first);
    bank.publish(first); // at-least-once delivery: the same event at a new position
    bank.publish(second);
    await senderTab.next((m) => m.eventId === second.eventId, 1_000);
    expect(transactions(senderTab).map((m) => m.eventId)).toEqual([first.eventId, second.eventId]);
    expect(transactions(bystanderTab)).toEqual([]);
    await Promise.all([senderTab.close(), bystanderTab.close()]);
  });

  it('reconnects after the feed connection drops and resumes after the last event it processed', async () => {
    const user = mintToken();
    const tab = await authedClient(service.wsUrl, user.token);
    const before = transferEvent({ userId: user.userId }, { userId: 'someone' });
    const position = bank.publish(before);
    await tab.next((m) => m.eventId === before.eventId, 1_000);
    bank.dropFeedConnections();
    const during = transferEvent({ userId: user.userId }, { userId: 'someone' });
    bank.publish(during); // published while the consumer is disconnected
    await tab.next((m) => m.eventId === during.eventId, 2_000);
    expect(bank.feedRequests.at(-1)).toBe(position);
    expect(transactions(tab).map((m) => m.eventId)).toEqual([before.eventId, during.eventId]);
    await tab.close();
  });
});

describe('restart', () => {
  it('a restarted service resumes from its saved cursor: nothing published while it was down is lost or repeated', async () => {
    const user = mintToken();
    const first = await startService(feedEnv());
    await connected(first);
    let tab = await authedClient(first.wsUrl, user.token);
    const early = transferEvent({ userId: user.userId }, { userId: 'someone' });
    const earlyPosition = bank.publish(early);
    await tab.next((m) => m.eventId === early.eventId, 1_000);
    await first.stop();
    expect(readFileSync(path.join(first.config.dataDir, 'feed-cursor'), 'utf8')).toBe(earlyPosition);

    const missed = [transferEvent({ userId: user.userId }, { userId: 'x' }), transferEvent({ userId: 'y' }, { userId: user.userId })];
    missed.forEach((event) => bank.publish(event));

    // Same data folder (so the same cursor file), new process state.
    const second = await startService({ ...feedEnv(), WS_DATA_DIR: first.config.dataDir });
    try {
      await connected(second);
      expect(bank.feedRequests.at(-1)).toBe(earlyPosition);
      // The missed events reach the user's log even though nobody was connected when they were replayed.
      const lines = await eventually(() => {
        const found = second.lines('interactions').filter((entry) => entry.type === 'account.transaction' && entry.userId === user.userId);
        return found.length === 3 ? found : undefined;
      });
      expect(lines.map((entry) => (entry.data as { eventId: string }).eventId)).toEqual([
        early.eventId,
        ...missed.map((event) => event.eventId),
      ]);

      tab = await authedClient(second.wsUrl, user.token);
      const live = transferEvent({ userId: 'z' }, { userId: user.userId });
      bank.publish(live);
      expect(await tab.next((m) => m.type === 'account.transaction', 1_000)).toMatchObject({ eventId: live.eventId, amount: 2_500 });
      await tab.close();
    } finally {
      await second.stop();
    }
    expect(existsSync(path.join(first.config.dataDir, 'feed-cursor.tmp'))).toBe(false);
  });

  it('keeps the starting position bank-core announces, so a service restarted before any event arrived still misses nothing', async () => {
    const user = mintToken();
    const first = await startService(feedEnv());
    await connected(first);
    await eventually(() => (existsSync(path.join(first.config.dataDir, 'feed-cursor')) ? true : undefined));
    await first.stop();
    const missed = transferEvent({ userId: user.userId }, { userId: 'x' });
    bank.publish(missed);

    const second = await startService({ ...feedEnv(), WS_DATA_DIR: first.config.dataDir });
    try {
      const line = await eventually(() => second.lines('interactions').find((entry) => entry.userId === user.userId));
      expect(line).toMatchObject({ type: 'account.transaction', data: { eventId: missed.eventId } });
    } finally {
      await second.stop();
    }
  });
});

describe('reconnect backoff', () => {
  it('keeps backing off exponentially from a bank-core that answers /readyz but refuses the feed', async () => {
    const refusing = await startFakeBankCore({ feedStatus: 503 });
    // A short probe interval: if probing /readyz cut the backoff short here, the attempts would number dozens.
    const service = await startService({
      ...feedEnv(),
      BANK_CORE_URL: refusing.url,
      WS_FEED_RETRY_MAX_MS: '30000',
      WS_FEED_PROBE_INTERVAL_MS: '50',
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // Delays of about 0.25, 0.5, 1 and 2 s (each between half and all of that): 3 to 6 attempts in 3 s.
      expect(refusing.feedRequests.length).toBeGreaterThanOrEqual(3);
      expect(refusing.feedRequests.length).toBeLessThanOrEqual(6);
      expect(service.running.feed?.status().connected).toBe(false);
    } finally {
      await service.stop();
      await refusing.close();
    }
  });
});
