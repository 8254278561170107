import { useState } from 'preact/hooks';
import { dayStart, thisMonth } from '../format/dates';
import { useAppState, useSession } from './context';
import { AccountSelect, ErrorText, Field, inputValue, Success, useAction } from './ui';

/** Saves a downloaded Blob under its name. */
function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/** A statement of one account over chosen days, as CSV (for spreadsheets) or PDF (made by the bank). */
export function Statements() {
  const session = useSession();
  const { accounts, selectedAccountId } = useAppState((s) => ({ accounts: s.accounts, selectedAccountId: s.selectedAccountId }));
  const account = accounts.find((a) => a.id === selectedAccountId) ?? accounts[0];
  const [range, setRange] = useState(thisMonth());
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();

  const download = (format: 'csv' | 'pdf') => {
    if (!account) return;
    setSaved(null);
    if (range.from && range.to && range.from > range.to) {
      action.clear();
      return void action.run(() => Promise.reject(new Error('The start date must be before the end date')));
    }
    void action.run(async () => {
      const file = await session.bank.statement(account.id, format, { from: dayStart(range.from), to: dayStart(range.to, true) });
      save(file.blob, file.name);
      setSaved(`Downloaded ${file.name}`);
      session.interaction('downloaded-statement', { format, accountId: account.id });
    });
  };

  if (!account) return <p>No account yet.</p>;
  return (
    <div class="screen">
      <section class="card" aria-labelledby="statements-title">
        <h2 id="statements-title">Statements</h2>
        <form class="stack" onSubmit={(e) => e.preventDefault()} aria-label="Statement">
          <AccountSelect label="Account" accounts={accounts} value={account.id} onChange={(id) => session.selectAccount(id)} />
          <div class="inline-form">
            <Field label="From date">
              <input type="date" name="from" value={range.from} onInput={(e) => setRange({ ...range, from: inputValue(e) })} />
            </Field>
            <Field label="To date">
              <input type="date" name="to" value={range.to} onInput={(e) => setRange({ ...range, to: inputValue(e) })} />
            </Field>
          </div>
          <p class="muted">Both days are included. Leave a date empty to start at the opening of the account or to end today.</p>
          <ErrorText error={action.error} />
          <div class="actions">
            <button type="button" class="primary" disabled={action.busy} onClick={() => download('pdf')}>
              Download PDF
            </button>
            <button type="button" class="secondary" disabled={action.busy} onClick={() => download('csv')}>
              Download CSV
            </button>
          </div>
          {saved && <Success>{saved}</Success>}
        </form>
      </section>
    </div>
  );
}
