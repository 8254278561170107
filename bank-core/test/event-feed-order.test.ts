import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { eventually } from './support/eventually';
import { createUser, type TestUser } from './support/factories';
import { eventOf, feedViolations, listenForFeed, type FeedHost } from './support/feed-readers';
import { deposit } from './support/money';
import { startTestApp } from './support/test-app';

// Two bank-core instances on one database (on PostgreSQL each with its own connection pool; the
// embedded database belongs to one process, so there they share it), both posting and serving the feed.
let a: FeedHost;
let b: FeedHost;
beforeAll(async () => {
  const first = await startTestApp();
  a = await listenForFeed(first);
  b = await listenForFeed(await startTestApp({}, { db: await first.db.connectAgain() }));
});
afterAll(async () => {
  await b.close();
  await a.close();
});

const OPENING = 10_000;

describe('event feed order', () => {
  it('with two instances posting at once and two readers, one restarting mid-way on the other instance, every event arrives once and each account in commit order', async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 6; i += 1) users.push(await createUser(a.t, { name: `User ${i}` }));
    for (const user of users) await deposit(a.t, user, OPENING);
    const opening = new Map(users.map((user) => [user.account.id, OPENING]));

    const steady = await a.follow();
    const restarting = await b.follow();

    // Deterministic pseudo-random transfers, so a failure can be replayed; alternately through each instance.
    let seed = 7;
    // The high bits: a power-of-two LCG's low bits repeat with a short period.
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) >> 8;
    const send = (i: number) => {
      const from = users[next() % users.length]!;
      const to = users[(users.indexOf(from) + 1 + (next() % (users.length - 1))) % users.length]!;
      return (i % 2 === 0 ? a : b).t.http
        .post('/api/transactions/send')
        .set(from.auth)
        .send({ fromAccountId: from.account.id, toAccountNumber: to.account.accountNumber, amount: 1 + (next() % 1_000) });
    };
    const firstHalf = Promise.all(Array.from({ length: 120 }, (_, i) => send(i)));
    await eventually(() => (restarting.events.length >= 30 ? true : undefined), 15_000);
    restarting.stop();
    const beforeRestart = [...restarting.events];
    const secondHalf = Promise.all(Array.from({ length: 120 }, (_, i) => send(i + 1)));
    const resumed = await a.follow(beforeRestart.at(-1)!.id);

    const results = [...(await firstHalf), ...(await secondHalf)];
    expect(results.filter((res) => res.status !== 201 && res.body.error?.code !== 'INSUFFICIENT_FUNDS')).toEqual([]);
    const posted = results.filter((res) => res.status === 201).length;
    expect(posted).toBeGreaterThan(150);

    const all = await steady.next(posted, 20_000);
    const afterRestart = await resumed.next(posted - beforeRestart.length, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2 * a.t.config.eventFeedPollMs));
    expect(steady.events).toHaveLength(posted);
    expect(resumed.events).toHaveLength(posted - beforeRestart.length);

    expect(feedViolations(all, opening)).toEqual([]);
    expect(feedViolations([...beforeRestart, ...afterRestart], opening)).toEqual([]);
    const ids = (events: typeof all) => events.map((event) => eventOf(event).eventId);
    expect(ids([...beforeRestart, ...afterRestart])).toEqual(ids(all));
    const transactionIds = new Set(results.filter((res) => res.status === 201).map((res) => res.body.id as string));
    expect(new Set(all.map((event) => eventOf(event).transactionId))).toEqual(transactionIds);
    expect((await auditLedger(a.t.db)).flatMap((check) => check.violations)).toEqual([]);
  }, 60_000);

  // Last in this file: it breaks the feed on purpose.
  it("the ledger audit (npm run ledger:verify) names a hole in the feed's positions", async () => {
    const { rows } = await a.t.db.query<{ position: string }>('SELECT max(position)::text AS position FROM outbox_feed');
    const last = BigInt(rows[0]!.position);
    await a.t.db.query('DELETE FROM outbox_feed WHERE position = $1', [String(last - 1n)]);
    const feedCheck = (await auditLedger(a.t.db)).find((check) => check.name.startsWith('event feed positions'))!;
    expect(feedCheck.violations).toEqual([`position ${last}: expected ${last - 1n} (a hole before it)`]);
  });
});
