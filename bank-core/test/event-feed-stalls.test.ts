import pg from 'pg';
import type { Transaction } from '../src/db/database';
import { eventually } from './support/eventually';
import { createUser, type TestUser } from './support/factories';
import { eventOf, feedViolations, listenForFeed, type FeedHost } from './support/feed-readers';
import { deposit } from './support/money';
import { postInside } from './support/postings';
import { startTestApp } from './support/test-app';
import { onPostgres } from './support/test-database';

// Work that has nothing to do with an event must not hold it back (issue 11). Only PostgreSQL has
// other databases and concurrent transactions; the embedded database runs one transaction at a time.

// An event posted on this instance reaches its reader within one sequencer run after commit; 1 s
// leaves room for a loaded machine, and is far below the seconds these transactions stay open.
const BOUND_MS = 1_000;

let host: FeedHost;
beforeAll(async () => {
  host = await listenForFeed(await startTestApp());
});
afterAll(() => host.close());

/** A gate the test opens: `wait` resolves once `open` is called. */
function gate() {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * Runs `hold` in a transaction of this database and keeps it open, for more work through `tx`, until
 * `end` commits it.
 */
async function holdTransaction(hold: (tx: Transaction) => Promise<unknown>) {
  const started = gate();
  const release = gate();
  let open!: Transaction;
  const done = host.t.db.transaction(async (tx) => {
    open = tx;
    await hold(tx);
    started.open();
    await release.wait;
  });
  await Promise.race([started.wait, done]);
  return {
    tx: open,
    end: () => {
      release.open();
      return done;
    },
  };
}

/** Whether the old feed's fence (the snapshot's xmin) is at or below `txId`: it would hold every event back. */
async function oldFenceHeldBy(txId: string): Promise<boolean> {
  const { rows } = await host.t.db.query<{ held: boolean }>('SELECT pg_snapshot_xmin(pg_current_snapshot()) <= $1::xid8 AS held', [txId]);
  return rows[0]!.held;
}

/** Runs `move` and returns the event a reader got for it, failing if it took longer than BOUND_MS. */
async function seenWithinBound(move: () => Promise<unknown>) {
  const stream = await host.follow();
  const started = Date.now();
  await move();
  const [event] = await stream.next(1, BOUND_MS);
  expect(Date.now() - started).toBeLessThan(BOUND_MS);
  stream.stop();
  return eventOf(event!);
}

/** A transfer through the API; every deposit shares the settlement account's lock, transfers between customers do not. */
async function send(from: TestUser, to: TestUser, amount: number) {
  const res = await host.t.http
    .post('/api/transactions/send')
    .set(from.auth)
    .send({ fromAccountId: from.account.id, toAccountNumber: to.account.accountNumber, amount });
  if (res.status !== 201) throw new Error(`transfer failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The amount of an event's first leg (the payer's for a transfer). */
const amountOf = (event: ReturnType<typeof eventOf>) => event.legs[0]!.amount;

onPostgres('event feed while other transactions stay open', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  beforeAll(async () => {
    alice = await createUser(host.t, { name: 'Alice' });
    bob = await createUser(host.t, { name: 'Bob' });
    carol = await createUser(host.t, { name: 'Carol' });
    dave = await createUser(host.t, { name: 'Dave' });
    for (const user of [alice, bob, carol]) await deposit(host.t, user, 1_000);
  });

  it('a transaction held open in another database of the server does not delay events', async () => {
    const other = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      const txId = (await other.query<{ id: string }>('SELECT txid_current()::text AS id')).rows[0]!.id;
      let open = true;
      const sleeping = other.query('SELECT pg_sleep(3)').finally(() => (open = false));
      expect(await oldFenceHeldBy(txId)).toBe(true);

      expect(amountOf(await seenWithinBound(() => deposit(host.t, alice, 11)))).toBe(11);
      expect(open).toBe(true);
      await sleeping;
      await other.query('COMMIT');
    } finally {
      await other.end();
    }
  });

  it('a long transaction in this database that writes no event does not delay events', async () => {
    let txId = '';
    const held = await holdTransaction(async (tx) => {
      txId = (await tx.query<{ id: string }>('SELECT txid_current()::text AS id')).rows[0]!.id;
    });
    try {
      expect(await oldFenceHeldBy(txId)).toBe(true);
      expect(amountOf(await seenWithinBound(() => deposit(host.t, alice, 12)))).toBe(12);
    } finally {
      await held.end();
    }
  });

  it("a posting waiting for an account's lock delays only its own event, which follows once it commits", async () => {
    const stream = await host.follow();
    const held = await holdTransaction((tx) => tx.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [alice.account.id]));
    const stuck = send(bob, alice, 13);
    try {
      await eventually(async () => ((await lockWaiters()) > 0 ? true : undefined));
      expect(amountOf(await seenWithinBound(() => send(carol, dave, 14)))).toBe(-14);
    } finally {
      await held.end();
    }
    await stuck;
    const events = await stream.next(2);
    expect(events.map((event) => amountOf(eventOf(event)))).toEqual([-14, -13]);
    expect(BigInt(events[1]!.id!)).toBe(BigInt(events[0]!.id!) + 1n);
  });

  it('a transaction that has written its event and stays open holds back only that event, which follows once it commits', async () => {
    const stream = await host.follow();
    const held = await holdTransaction((tx) =>
      postInside(tx, {
        type: 'transfer',
        userId: bob.id,
        accountId: bob.account.id,
        recipientNumber: alice.account.accountNumber,
        amount: 15,
      }),
    );
    try {
      expect(amountOf(await seenWithinBound(() => send(carol, dave, 16)))).toBe(-16);
    } finally {
      await held.end();
    }
    const events = await stream.next(2);
    expect(events.map((event) => amountOf(eventOf(event)))).toEqual([-16, -15]);
  });

  it('an event that commits after later ones were handed out still arrives, even when those took their transaction ids first', async () => {
    const stream = await host.follow();
    // The newer transaction id holds the older outbox id, and stays open while the other commits.
    const early = await holdTransaction((tx) => tx.query('SELECT pg_current_xact_id()'));
    const late = await holdTransaction((tx) =>
      postInside(tx, {
        type: 'transfer',
        userId: bob.id,
        accountId: bob.account.id,
        recipientNumber: alice.account.accountNumber,
        amount: 19,
      }),
    );
    await postInside(early.tx, {
      type: 'transfer',
      userId: carol.id,
      accountId: carol.account.id,
      recipientNumber: dave.account.accountNumber,
      amount: 20,
    });
    await early.end();
    expect(amountOf(eventOf((await stream.next(1))[0]!))).toBe(-20);
    // Long enough for several sequencer runs while the passed-over event is still uncommitted.
    await new Promise((resolve) => setTimeout(resolve, 3 * host.t.config.eventFeedPollMs));
    await late.end();
    const events = await stream.next(2);
    expect(events.map((event) => amountOf(eventOf(event)))).toEqual([-20, -19]);
  });

  it('a posting that took its transaction id before waiting for the account lock comes after the posting it waited for', async () => {
    const balance = (await host.t.http.get(`/api/accounts/${alice.account.id}`).set(alice.auth)).body.balance as number;
    const stream = await host.follow();
    // The earlier transaction id, as an idempotent request has (it stores its key first).
    const early = await holdTransaction((tx) => tx.query('SELECT pg_current_xact_id()'));
    const first = await holdTransaction((tx) =>
      postInside(tx, { type: 'deposit', userId: alice.id, accountId: alice.account.id, amount: 17 }),
    );
    const second = postInside(early.tx, { type: 'deposit', userId: alice.id, accountId: alice.account.id, amount: 18 });
    await eventually(async () => ((await lockWaiters()) > 0 ? true : undefined));
    await first.end();
    await second;
    await early.end();

    const events = await stream.next(2);
    expect(events.map((event) => eventOf(event).legs[0]!.amount)).toEqual([17, 18]);
    expect(feedViolations(events, new Map([[alice.account.id, balance]]))).toEqual([]);
  });
});

/** Sessions of this test's database waiting for a lock. */
async function lockWaiters(): Promise<number> {
  const { rows } = await host.t.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
  );
  return rows[0]!.n;
}
