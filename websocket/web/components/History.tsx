import { useEffect, useState } from 'preact/hooks';
import type { HistoryFilter } from '../api/bank';
import type { HistoryEntry, TransactionType } from '../api/types';
import { dayStart, formatDateTime } from '../format/dates';
import { formatMoney, formatSignedMoney } from '../format/money';
import { typeLabel } from '../format/text';
import type { LiveMovement } from '../state/store';
import { BalanceChart } from './BalanceChart';
import { useAppState, useSession } from './context';
import { AccountSelect, ErrorText, Field, inputValue, useAction } from './ui';

const TYPES: { value: TransactionType | ''; label: string }[] = [
  { value: '', label: 'All types' },
  { value: 'deposit', label: 'Deposits' },
  { value: 'withdrawal', label: 'Withdrawals' },
  { value: 'transfer', label: 'Transfers' },
  { value: 'reversal', label: 'Reversals' },
];

const fromLive = (m: LiveMovement): HistoryEntry => ({
  transactionId: m.transactionId,
  type: m.transactionType,
  amount: m.amount,
  balanceAfter: m.balanceAfter,
  currency: m.currency,
  counterparty: m.counterparty,
  narration: m.narration,
  reference: '',
  createdAt: m.createdAt,
});

export function describeEntry(entry: HistoryEntry): string {
  const party = entry.counterparty
    ? `${entry.amount >= 0 ? 'From' : 'To'} ${entry.counterparty.name} (${entry.counterparty.accountNumber})`
    : '';
  const type = typeLabel(entry.type);
  return [party || type, entry.narration].filter(Boolean).join(' · ');
}

/**
 * One account's history, newest first, with filters, "load more" over the keyset cursor, the balance
 * after each entry and a balance chart; movements pushed by the socket appear at the top.
 */
export function History() {
  const session = useSession();
  const { accounts, selectedAccountId, movements, resyncs } = useAppState((s) => ({
    accounts: s.accounts,
    selectedAccountId: s.selectedAccountId,
    movements: s.movements,
    resyncs: s.resyncs,
  }));
  const account = accounts.find((a) => a.id === selectedAccountId) ?? accounts[0];
  const [form, setForm] = useState({ from: '', to: '', type: '' as TransactionType | '' });
  const [filter, setFilter] = useState<HistoryFilter>({});
  const [entries, setEntries] = useState<HistoryEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  // Movements already pushed when the first page was read are in it (or in older pages).
  // Until the first page is in, nothing counts as live (it would all be shown twice).
  const [seenAtLoad, setSeenAtLoad] = useState<Set<string> | null>(null);
  const load = useAction();

  const fetchPage = (after?: string) =>
    load.run(async () => {
      if (!account) return;
      const page = await session.bank.history(account.id, filter, after);
      setEntries((current) => (after ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
      if (!after) setSeenAtLoad(new Set(session.store.get().movements.map((m) => m.eventId)));
    });

  useEffect(() => {
    setEntries([]);
    setSeenAtLoad(null);
    void fetchPage();
  }, [account?.id, filter, resyncs]);

  // Live movements of this account since the first page was read, that the filter would show.
  const live = movements
    .filter((m) => seenAtLoad !== null && m.accountId === account?.id && !seenAtLoad.has(m.eventId))
    .filter((m) => !entries[0] || m.createdAt >= entries[0].createdAt)
    .filter((m) => !filter.type || m.transactionType === filter.type)
    .filter((m) => !filter.to && (!filter.from || m.createdAt >= filter.from))
    .filter((m) => !entries.some((e) => e.transactionId === m.transactionId))
    .map(fromLive);
  const shown = [...live, ...entries];

  const apply = (event: Event) => {
    event.preventDefault();
    setFilter({ type: form.type, from: dayStart(form.from), to: dayStart(form.to, true) });
    session.interaction('filtered-history', { type: form.type || 'all' });
  };

  if (!account) return <p>No account yet.</p>;
  const points = [...shown].reverse().map((e) => ({ at: Date.parse(e.createdAt), balance: e.balanceAfter }));

  return (
    <div class="screen">
      <section class="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <AccountSelect label="Account" accounts={accounts} value={account.id} onChange={(id) => session.selectAccount(id)} />
        <p class="balance-line">
          Balance <strong>{formatMoney(account.balance, account.currency)}</strong>
        </p>
        <BalanceChart points={points} currency={account.currency} />
        <form class="inline-form filters" onSubmit={apply} aria-label="Filter the history">
          <Field label="From date">
            <input type="date" name="from" value={form.from} onInput={(e) => setForm({ ...form, from: inputValue(e) })} />
          </Field>
          <Field label="To date">
            <input type="date" name="to" value={form.to} onInput={(e) => setForm({ ...form, to: inputValue(e) })} />
          </Field>
          <Field label="Type">
            <select name="type" value={form.type} onChange={(e) => setForm({ ...form, type: inputValue(e) as TransactionType | '' })}>
              {TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" class="secondary">
            Apply filters
          </button>
        </form>
        <ErrorText error={load.error} />
        <ol class="entries" aria-live="polite" aria-label={`Entries of account ${account.accountNumber}`}>
          {shown.length === 0 && !load.busy && <li class="muted">Nothing here for these filters.</li>}
          {shown.map((entry) => (
            <li key={entry.transactionId} class={entry.amount >= 0 ? 'credit' : 'debit'} data-testid="history-entry">
              <span class="when">{formatDateTime(entry.createdAt)}</span>
              <span class="what">{describeEntry(entry)}</span>
              <span class="amount">{formatSignedMoney(entry.amount, entry.currency)}</span>
              <span class="after">
                <span class="visually-hidden">Balance after </span>
                {formatMoney(entry.balanceAfter, entry.currency)}
              </span>
            </li>
          ))}
        </ol>
        {load.busy && <p role="status">Loading…</p>}
        {cursor && !load.busy && (
          <button type="button" class="secondary" onClick={() => void fetchPage(cursor)}>
            Load more
          </button>
        )}
      </section>
    </div>
  );
}
