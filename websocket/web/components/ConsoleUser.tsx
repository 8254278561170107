import { useEffect, useState } from 'preact/hooks';
import type { Account, ActivityLine, HistoryEntry, User } from '../api/types';
import { formatDateTime } from '../format/dates';
import { formatMoney, formatSignedMoney } from '../format/money';
import { useSession } from './context';
import { describeEntry } from './History';
import { AccountSelect, Dialog, ErrorText, Field, inputValue, Success, useAction } from './ui';

// Lines read to show the latest ones: the activity API pages oldest first.
const MAX_ACTIVITY_PAGES = 20;
const SHOW_LINES = 100;

type Tab = 'history' | 'interactions' | 'errors';

/** One customer as staff see them: accounts and balances, an account's history (reversible), their logs. */
export function ConsoleUser({ user }: { user: User }) {
  const session = useSession();
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [accountId, setAccountId] = useState('');
  const [tab, setTab] = useState<Tab>('history');
  const load = useAction();
  const refresh = () =>
    load.run(async () => {
      const list = await session.bank.userAccounts(user.id);
      setAccounts(list);
      setAccountId((current) => current || list[0]?.id || '');
    });
  useEffect(() => void refresh(), [user.id]);
  const account = accounts.find((a) => a.id === accountId);

  return (
    <section class="card" aria-labelledby="customer-title">
      <h2 id="customer-title">
        {user.name} <span class="muted">· {user.email}</span>
      </h2>
      <p class="muted">
        Customer since {formatDateTime(user.createdAt)} · role {user.role} · id <span class="mono">{user.id}</span>
      </p>
      <ErrorText error={load.error} />
      <table class="table">
        <caption class="visually-hidden">Accounts of {user.name}</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Number</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Balance
            </th>
          </tr>
        </thead>
        <tbody>
          {accounts.map((a) => (
            <tr key={a.id}>
              <td>{a.description || 'Account'}</td>
              <td class="mono">{a.accountNumber}</td>
              <td>{a.status}</td>
              <td class="num">{formatMoney(a.balance, a.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="segmented" role="group" aria-label="Show">
        {(['history', 'interactions', 'errors'] as const).map((t) => (
          <button key={t} type="button" aria-pressed={tab === t} onClick={() => setTab(t)}>
            {t === 'history' ? 'History' : t === 'interactions' ? 'Interactions' : 'Errors'}
          </button>
        ))}
      </div>
      {tab === 'history' && (
        <>
          {accounts.length > 0 && <AccountSelect label="Customer account" accounts={accounts} value={accountId} onChange={setAccountId} />}
          {account && <StaffHistory key={account.id} account={account} onReversed={() => void refresh()} />}
        </>
      )}
      {tab !== 'history' && <ActivityLog key={tab} kind={tab} userId={user.id} />}
    </section>
  );
}

function StaffHistory({ account, onReversed }: { account: Account; onReversed: () => void }) {
  const session = useSession();
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [reversing, setReversing] = useState<HistoryEntry | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = useAction();
  const fetchPage = (after?: string) =>
    load.run(async () => {
      const page = await session.bank.history(account.id, {}, after);
      setEntries((current) => (after ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
    });
  useEffect(() => void fetchPage(), [account.id]);
  // History entries do not carry `reversedBy`; a reversal's narration names what it undid ("Reversal of
  // <reference>: <reason>", bank-core/src/services/reversal.ts), so a reversed entry is known from the list.
  const reversed = new Set(entries.filter((e) => e.type === 'reversal').map((e) => /^Reversal of (\S+):/.exec(e.narration ?? '')?.[1]));

  return (
    <>
      <ErrorText error={load.error} />
      {done && <Success>{done}</Success>}
      <ol class="entries" aria-label={`Entries of account ${account.accountNumber}`}>
        {entries.length === 0 && !load.busy && <li class="muted">No entries.</li>}
        {entries.map((entry) => (
          <li key={entry.transactionId} class={entry.amount >= 0 ? 'credit' : 'debit'}>
            <span class="when">{formatDateTime(entry.createdAt)}</span>
            <span class="what">
              {describeEntry(entry)} <span class="mono muted">{entry.reference}</span>
            </span>
            <span class="amount">{formatSignedMoney(entry.amount, entry.currency)}</span>
            <span class="after">{formatMoney(entry.balanceAfter, entry.currency)}</span>
            {entry.type !== 'reversal' && reversed.has(entry.reference) && <span class="muted small">Reversed</span>}
            {entry.type !== 'reversal' && !reversed.has(entry.reference) && (
              <button type="button" class="secondary small" onClick={() => setReversing(entry)}>
                Reverse<span class="visually-hidden"> {entry.reference}</span>
              </button>
            )}
          </li>
        ))}
      </ol>
      {cursor && (
        <button type="button" class="secondary" onClick={() => void fetchPage(cursor)}>
          Load more
        </button>
      )}
      {reversing && (
        <ReverseDialog
          entry={reversing}
          onDone={(reference) => {
            setReversing(null);
            if (!reference) return;
            setDone(`Reversed ${reversing.reference}: reversal ${reference}.`);
            void fetchPage();
            onReversed();
          }}
        />
      )}
    </>
  );
}

function ReverseDialog({ entry, onDone }: { entry: HistoryEntry; onDone: (reference?: string) => void }) {
  const session = useSession();
  const [reason, setReason] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const reversal = await session.bank.reverse(entry.transactionId, reason.trim());
      session.interaction('staff-reversed', { transactionId: entry.transactionId, reversalId: reversal.id });
      onDone(reversal.reference);
    });
  };
  return (
    <Dialog open title={`Reverse ${entry.reference}?`} onClose={() => onDone()}>
      <p>
        This moves {formatMoney(Math.abs(entry.amount), entry.currency)} back the other way as a new transaction. The reason is recorded in
        the ledger and both sides see it.
      </p>
      <form class="stack" onSubmit={submit}>
        <Field label="Reason" hint="3 to 100 characters">
          <textarea
            name="reason"
            required
            minLength={3}
            maxLength={100}
            rows={2}
            value={reason}
            onInput={(e) => setReason(inputValue(e))}
          />
        </Field>
        <ErrorText error={action.error} />
        <div class="actions">
          <button type="submit" class="danger" disabled={action.busy}>
            Confirm reversal
          </button>
          <button type="button" class="secondary" onClick={() => onDone()}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The latest lines of one user's interactions.txt or errors.txt, newest first, with bank-core's request id. */
function ActivityLog({ kind, userId }: { kind: 'interactions' | 'errors'; userId: string }) {
  const session = useSession();
  const [lines, setLines] = useState<ActivityLine[]>([]);
  const load = useAction();
  useEffect(() => {
    void load.run(async () => {
      const all: ActivityLine[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_ACTIVITY_PAGES; page += 1) {
        const answer = await session.bank.activity(kind, userId, cursor);
        all.push(...answer.items);
        if (!answer.nextCursor) break;
        cursor = answer.nextCursor;
      }
      setLines(all.slice(-SHOW_LINES).reverse());
    });
  }, [kind, userId]);
  return (
    <>
      <ErrorText error={load.error} />
      {load.busy && <p role="status">Loading…</p>}
      <ol class="log" aria-label={kind === 'errors' ? 'Errors' : 'Interactions'}>
        {lines.length === 0 && !load.busy && <li class="muted">Nothing recorded.</li>}
        {lines.map((line, i) => (
          <li key={i}>
            <span class="when">{formatDateTime(line.time)}</span> <strong>{line.type}</strong>
            {line.requestId && (
              <span>
                {' '}
                · request <span class="mono">{line.requestId}</span>
              </span>
            )}
            <code class="data">{JSON.stringify(line.data)}</code>
          </li>
        ))}
      </ol>
    </>
  );
}
