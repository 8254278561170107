import type { Queryable } from '../db/database';
import { toSafeInteger } from '../utils/integers';

/** One invariant of the whole ledger: what was checked, over how many rows, and every violation found. */
export interface AuditCheck {
  name: string;
  checked: number;
  violations: string[];
}

const MAX_LISTED = 20;
const REQUEST_IDS_OURS_SINCE = `(SELECT applied_at FROM schema_migrations WHERE version = '004_money_safety')`;

async function check(
  db: Queryable,
  name: string,
  countSql: string,
  violationSql: string,
  describe: (row: Record<string, unknown>) => string,
): Promise<AuditCheck> {
  const checked = toSafeInteger((await db.query<{ n: unknown }>(countSql)).rows[0]!.n);
  const { rows } = await db.query(`${violationSql} LIMIT ${MAX_LISTED}`);
  return { name, checked, violations: rows.map(describe) };
}

/** Every invariant the ledger promises, checked from the stored rows alone. */
export async function auditLedger(db: Queryable): Promise<AuditCheck[]> {
  return [
    await check(
      db,
      'every transaction has two or more entries summing to zero',
      'SELECT count(*) AS n FROM transactions',
      `SELECT t.id, coalesce(sum(e.amount), 0) AS total, count(e.id) AS legs
       FROM transactions t LEFT JOIN entries e ON e.transaction_id = t.id
       GROUP BY t.id HAVING coalesce(sum(e.amount), 0) <> 0 OR count(e.id) < 2`,
      (row) => `transaction ${String(row.id)}: ${String(row.legs)} entries summing to ${String(row.total)}`,
    ),
    await check(
      db,
      "every account's stored balance equals the sum of its entries and its latest balance-after",
      'SELECT count(*) AS n FROM accounts',
      `SELECT a.id, a.balance, coalesce(s.total, 0) AS total, coalesce(l.balance_after, 0) AS latest
       FROM accounts a
       LEFT JOIN (SELECT account_id, sum(amount) AS total FROM entries GROUP BY account_id) s ON s.account_id = a.id
       LEFT JOIN LATERAL (SELECT balance_after FROM entries WHERE account_id = a.id ORDER BY id DESC LIMIT 1) l ON true
       WHERE a.balance <> coalesce(s.total, 0) OR a.balance <> coalesce(l.balance_after, 0)`,
      (row) =>
        `account ${String(row.id)}: stored ${String(row.balance)}, entries sum ${String(row.total)}, latest balance-after ${String(row.latest)}`,
    ),
    await check(
      db,
      "every entry's balance-after is the previous balance-after plus its amount",
      'SELECT count(*) AS n FROM entries',
      `SELECT id, account_id, amount, balance_after, previous FROM (
         SELECT id, account_id, amount, balance_after,
           coalesce(lag(balance_after) OVER (PARTITION BY account_id ORDER BY id), 0) AS previous
         FROM entries) chained
       WHERE balance_after <> previous + amount`,
      (row) =>
        `entry ${String(row.id)} of account ${String(row.account_id)}: ${String(row.previous)} + ${String(row.amount)} <> ${String(row.balance_after)}`,
    ),
    await check(
      db,
      'no customer account is below zero',
      `SELECT count(*) AS n FROM accounts WHERE kind = 'customer'`,
      `SELECT id, balance FROM accounts WHERE kind = 'customer' AND balance < 0`,
      (row) => `account ${String(row.id)}: balance ${String(row.balance)}`,
    ),
    await check(
      db,
      "every currency's accounts sum to zero",
      'SELECT count(DISTINCT currency) AS n FROM accounts',
      'SELECT currency, sum(balance) AS total FROM accounts GROUP BY currency HAVING sum(balance) <> 0',
      (row) => `${String(row.currency)}: accounts sum to ${String(row.total)}`,
    ),
    await check(
      db,
      'no Idempotency-Key moved money more than once',
      'SELECT count(*) AS n FROM transactions WHERE idempotency_key IS NOT NULL',
      `SELECT initiated_by, idempotency_key, count(*) AS n FROM transactions WHERE idempotency_key IS NOT NULL
       GROUP BY initiated_by, idempotency_key HAVING count(*) > 1`,
      (row) => `user ${String(row.initiated_by)}: key ${JSON.stringify(row.idempotency_key)} made ${String(row.n)} transactions`,
    ),
    // Request ids are the server's own (a UUID per request) since migration 004; before it a client could
    // choose them, so only transactions posted since then are held to this.
    await check(
      db,
      'no request made more than one transaction',
      `SELECT count(*) AS n FROM transactions WHERE request_id IS NOT NULL AND created_at >= ${REQUEST_IDS_OURS_SINCE}`,
      `SELECT request_id, count(*) AS n FROM transactions WHERE request_id IS NOT NULL AND created_at >= ${REQUEST_IDS_OURS_SINCE}
       GROUP BY request_id HAVING count(*) > 1`,
      (row) => `request ${String(row.request_id)} made ${String(row.n)} transactions`,
    ),
    await check(
      db,
      'no closed account holds money',
      `SELECT count(*) AS n FROM accounts WHERE status = 'closed'`,
      `SELECT id, account_number, balance FROM accounts WHERE status = 'closed' AND balance <> 0`,
      (row) => `account ${String(row.id)} (${String(row.account_number)}) is closed with balance ${String(row.balance)}`,
    ),
    await check(
      db,
      'every balance is within the safe integer range (2^53 - 1)',
      'SELECT count(*) AS n FROM accounts',
      `SELECT 'account' AS what, id::text AS id, balance AS value FROM accounts WHERE abs(balance) > 9007199254740991
       UNION ALL
       SELECT 'entry', id::text, balance_after FROM entries WHERE abs(balance_after) > 9007199254740991`,
      (row) => `${String(row.what)} ${String(row.id)}: ${String(row.value)}`,
    ),
    await check(
      db,
      'every transaction has exactly one outbox event',
      'SELECT count(*) AS n FROM transactions',
      `SELECT t.id, count(o.id) AS events FROM transactions t LEFT JOIN outbox_events o ON o.transaction_id = t.id
       GROUP BY t.id HAVING count(o.id) <> 1`,
      (row) => `transaction ${String(row.id)}: ${String(row.events)} events`,
    ),
    // Events committed in the last moments may not have a position yet, so this does not ask for one
    // per event; it checks what the sequencer wrote (migration 005).
    await check(
      db,
      'event feed positions run 1, 2, 3, ... and each names its own outbox event',
      'SELECT count(*) AS n FROM outbox_feed',
      `SELECT position, outbox_id, found, expected FROM (
         SELECT f.position, f.outbox_id, o.id AS found, row_number() OVER (ORDER BY f.position) AS expected
         FROM outbox_feed f LEFT JOIN outbox_events o ON o.id = f.outbox_id) numbered
       WHERE found IS NULL OR position <> expected`,
      (row) =>
        row.found === null
          ? `position ${String(row.position)}: outbox event ${String(row.outbox_id)} does not exist`
          : `position ${String(row.position)}: expected ${String(row.expected)} (a hole before it)`,
    ),
  ];
}
