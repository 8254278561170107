import type { TransactionPostedEvent } from '@bank/common';
import { migrate } from '../src/db/migrate';
import { createUser, type TestUser } from './support/factories';
import { eventOf, listenForFeed, type FeedHost } from './support/feed-readers';
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../src/db/database';
import { findSettlementAccountId, postTransaction } from '../src/repositories/ledger.repository';
import { deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

// Readers that followed the feed before migration 005 hold positions `<tx_id>-<outbox id>`; after the
// upgrade they must resume exactly where they were: nothing skipped, nothing repeated.

let host: FeedHost;
let t: TestApp;
beforeAll(async () => {
  host = await listenForFeed(await startTestApp({}, { migrateBefore: '005' }));
  t = host.t;
});
afterAll(() => host.close());

async function amountsAfter(lastEventId: string, count: number): Promise<number[]> {
  const stream = await host.follow(lastEventId);
  expect(stream.status).toBe(200);
  const events = await stream.next(count);
  // Nothing more than expected arrives either.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(stream.events).toHaveLength(count);
  stream.stop();
  return events.map((event) => eventOf(event).legs[0]!.amount);
}

/**
 * A deposit as bank-core posted it before migrations 005 and 007: one `ledger_post` call (004), whose
 * outbox row the old feed ordered by (tx_id, id). The group commit of 007 does not exist yet here.
 */
async function depositBefore(db: Queryable, user: TestUser, amount: number): Promise<void> {
  const settlement = await findSettlementAccountId(db, 'NGN');
  const id = randomUUID();
  const customerLeg = {
    accountId: user.account.id,
    accountNumber: user.account.accountNumber,
    userId: user.id,
    amount,
    counterparty: null,
  };
  const result = await postTransaction(db, {
    id,
    type: 'deposit',
    amount,
    currency: 'NGN',
    narration: null,
    reference: `TX${randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase()}`,
    initiatedBy: user.id,
    requestId: randomUUID(),
    reversesId: null,
    idempotencyKey: null,
    legs: [
      { accountId: settlement, amount: -amount },
      { accountId: user.account.id, amount },
    ],
    event: {
      type: 'transaction.posted',
      transactionId: id,
      transactionType: 'deposit',
      currency: 'NGN',
      narration: null,
      requestId: null,
      legs: [null, customerLeg],
    },
  });
  if (!result.ok) throw new Error(`deposit refused: ${result.reason}`);
}

/** What the feed before migration 005 handed out, in its order: (position, deposit amount). */
async function oldFeed(): Promise<{ position: string; amount: number }[]> {
  const { rows } = await t.db.query<{ position: string; payload: TransactionPostedEvent }>(
    `SELECT tx_id::text || '-' || id::text AS position, payload FROM outbox_events ORDER BY tx_id, id`,
  );
  return rows.map((row) => ({ position: row.position, amount: row.payload.legs[0]!.amount }));
}

describe('positions handed out before the upgrade (migration 005)', () => {
  let alice: TestUser;
  let bob: TestUser;
  let before: { position: string; amount: number }[];

  beforeAll(async () => {
    alice = await createUser(t);
    bob = await createUser(t);
    for (const amount of [101, 102, 103]) await depositBefore(t.db, alice, amount);
    if (t.db.driver === 'pg') {
      // A transaction that took its id first but committed last: the old order (tx_id, id) puts it
      // before the deposit that committed meanwhile; its outbox id is the larger.
      await t.db.transaction(async (tx) => {
        await tx.query('SELECT pg_current_xact_id()');
        await depositBefore(t.db, bob, 104);
        await depositBefore(tx, alice, 105);
      });
    } else {
      await depositBefore(t.db, bob, 104);
      await depositBefore(t.db, alice, 105);
    }
    before = await oldFeed();
    expect(before.map((event) => event.amount)).toEqual(t.db.driver === 'pg' ? [101, 102, 103, 105, 104] : [101, 102, 103, 104, 105]);

    await migrate(t.db);
    await deposit(t, alice, 106);
  });

  it('each resumes exactly after its event, in the order the old feed handed them out, then on to new events', async () => {
    for (const [i, { position }] of before.entries()) {
      const expected = [...before.slice(i + 1).map((event) => event.amount), 106];
      expect(await amountsAfter(position, expected.length)).toEqual(expected);
    }
  });

  it("the old feed's start on an empty feed (0-0) resumes from the first event", async () => {
    expect(await amountsAfter('0-0', 6)).toEqual([...before.map((event) => event.amount), 106]);
  });

  it('an old position handed out after the upgrade by an instance not yet upgraded resumes at the first event after it', async () => {
    const { rows } = await t.db.query<{ position: string }>(
      `SELECT tx_id::text || '-' || id::text AS position FROM outbox_events ORDER BY id DESC LIMIT 1`,
    );
    await deposit(t, alice, 107);
    expect(await amountsAfter(rows[0]!.position, 1)).toEqual([107]);
  });

  it('an old position that names no event of this feed answers 400', async () => {
    const [txId] = before[0]!.position.split('-');
    for (const position of [`${txId}-999999`, `1-${before[0]!.position.split('-')[1]}`]) {
      const res = await t.http.get('/internal/events').set(host.serviceAuth).set('Last-Event-ID', position);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION');
    }
  });
});
