import type { Queryable } from '../src/db/database';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import type { ChaosAccount, Intent } from './chaos-client';

export interface Verdict {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * What a fault run must leave behind, read from the database itself once bank-core is stopped:
 * every acknowledged payment present exactly once (the transaction the client was told about), no
 * refused or unresolved one present, no key applied twice, every balance what the acknowledged
 * payments say, money conserved, and the whole ledger audit clean.
 */
export async function verifyRun(db: Queryable, accounts: ChaosAccount[], opening: number, intents: Intent[]): Promise<Verdict[]> {
  const { rows } = await db.query<{ initiated_by: string; idempotency_key: string; id: string }>(
    `SELECT initiated_by, idempotency_key, id FROM transactions WHERE type = 'transfer'`,
  );
  const byKey = new Map<string, string[]>();
  for (const row of rows)
    byKey.set(`${row.initiated_by}/${row.idempotency_key}`, [...(byKey.get(`${row.initiated_by}/${row.idempotency_key}`) ?? []), row.id]);
  const found = (intent: Intent) => byKey.get(`${intent.from.userId}/${intent.key}`) ?? [];

  const acknowledged = intents.filter((intent) => intent.outcome?.status === 201);
  const missing = acknowledged.filter((intent) => found(intent).length !== 1 || found(intent)[0] !== intent.outcome!.transactionId);
  const refused = intents.filter((intent) => intent.outcome && intent.outcome.status !== 201);
  const refusedButPosted = refused.filter((intent) => found(intent).length > 0);
  const unresolved = intents.filter((intent) => !intent.outcome);
  const twice = [...byKey.values()].filter((ids) => ids.length > 1);
  const ours = new Set(intents.map((intent) => `${intent.from.userId}/${intent.key}`));
  const strays = [...byKey.keys()].filter((key) => !ours.has(key));

  const expected = new Map(accounts.map((account) => [account.accountId, opening]));
  for (const intent of acknowledged) {
    expected.set(intent.from.accountId, expected.get(intent.from.accountId)! - intent.amount);
    expected.set(intent.to.accountId, expected.get(intent.to.accountId)! + intent.amount);
  }
  const balances = await db.query<{ id: string; balance: string }>('SELECT id, balance FROM accounts WHERE id = ANY($1::uuid[])', [
    accounts.map((account) => account.accountId),
  ]);
  const wrong = balances.rows.filter((row) => Number(row.balance) !== expected.get(row.id));
  const total = balances.rows.reduce((sum, row) => sum + Number(row.balance), 0);
  const audit = (await auditLedger(db)).filter((check) => check.violations.length > 0);

  const count = (n: number) => n.toLocaleString('en-US');
  return [
    {
      name: 'every acknowledged payment is in the ledger exactly once',
      ok: missing.length === 0,
      detail: `${count(acknowledged.length)} acknowledged, ${count(missing.length)} missing or different`,
    },
    {
      name: 'no payment applied twice (per Idempotency-Key)',
      ok: twice.length === 0,
      detail: `${count(twice.length)} keys with more than one transaction`,
    },
    {
      name: 'no refused payment moved money',
      ok: refusedButPosted.length === 0,
      detail: `${count(refused.length)} refused, ${count(refusedButPosted.length)} posted anyway`,
    },
    { name: 'every payment got a definitive answer', ok: unresolved.length === 0, detail: `${count(unresolved.length)} unresolved` },
    { name: 'no transaction the clients did not ask for', ok: strays.length === 0, detail: `${count(strays.length)} strays` },
    {
      name: 'every balance is what the acknowledged payments say',
      ok: wrong.length === 0,
      detail: `${count(wrong.length)} of ${count(accounts.length)} accounts differ`,
    },
    {
      name: 'money conserved',
      ok: total === opening * accounts.length,
      detail: `${count(total)} of ${count(opening * accounts.length)} minor units`,
    },
    {
      name: 'ledger audit (npm run ledger:verify) clean',
      ok: audit.length === 0,
      detail: audit.map((check) => `${check.name}: ${check.violations[0]}`).join('; ') || 'every invariant holds',
    },
  ];
}
