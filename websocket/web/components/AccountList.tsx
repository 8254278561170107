import { useState } from 'preact/hooks';
import type { Account } from '../api/types';
import { formatDateTime } from '../format/dates';
import { formatMoney, formatSignedMoney } from '../format/money';
import { useAppState, useSession } from './context';
import { Dialog, ErrorText, Field, inputValue, Success, useAction } from './ui';
import { typeLabel } from '../format/text';

const CURRENCIES = ['NGN', 'USD', 'GBP', 'EUR'];

/** Balances at a glance; open, rename, close an account; copy its number; the latest live movements. */
export function AccountList() {
  const session = useSession();
  const { accounts, movements } = useAppState((s) => ({ accounts: s.accounts, movements: s.movements }));
  const [renaming, setRenaming] = useState<Account | null>(null);
  const [closing, setClosing] = useState<Account | null>(null);
  const [copied, setCopied] = useState<string | null>(null);

  const copy = async (account: Account) => {
    await navigator.clipboard?.writeText(account.accountNumber).catch(() => undefined);
    setCopied(`Account number ${account.accountNumber} copied`);
  };
  const open = accounts.filter((a) => a.status === 'open');
  const closed = accounts.filter((a) => a.status === 'closed');

  return (
    <div class="screen">
      <section aria-labelledby="accounts-title" class="card">
        <h2 id="accounts-title">Your accounts</h2>
        <ul class="accounts">
          {open.map((account) => (
            <li key={account.id} class="account" data-account-id={account.id}>
              <div class="account-main">
                <h3>{account.description || 'Account'}</h3>
                <p class="account-number">
                  <span class="muted">Number</span> <span class="mono">{account.accountNumber}</span>
                  <button
                    type="button"
                    class="link"
                    aria-label={`Copy account number ${account.accountNumber}`}
                    onClick={() => void copy(account)}
                  >
                    Copy
                  </button>
                </p>
              </div>
              <p class="balance" aria-label={`Balance of ${account.description || 'account'} ${account.accountNumber}`}>
                {formatMoney(account.balance, account.currency)}
              </p>
              <div class="account-actions">
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    session.selectAccount(account.id);
                    session.go('history');
                  }}
                >
                  History<span class="visually-hidden"> of {account.accountNumber}</span>
                </button>
                <button type="button" class="secondary" onClick={() => setRenaming(account)}>
                  Rename<span class="visually-hidden"> {account.accountNumber}</span>
                </button>
                <button type="button" class="secondary" onClick={() => setClosing(account)}>
                  Close<span class="visually-hidden"> {account.accountNumber}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
        <p class="visually-hidden" role="status">
          {copied}
        </p>
        {closed.length > 0 && (
          <details>
            <summary>Closed accounts ({closed.length})</summary>
            <ul class="plain">
              {closed.map((account) => (
                <li key={account.id}>
                  {account.description || 'Account'} · <span class="mono">{account.accountNumber}</span> ({account.currency}), closed{' '}
                  {account.closedAt && formatDateTime(account.closedAt)}
                </li>
              ))}
            </ul>
          </details>
        )}
      </section>
      <OpenAccount />
      <section aria-labelledby="live-title" class="card">
        <h2 id="live-title">Latest movements</h2>
        <ol class="movements" aria-live="polite">
          {movements.length === 0 && <li class="muted">Money moving in or out of your accounts shows up here as it happens.</li>}
          {movements.slice(0, 10).map((m) => (
            <li key={m.eventId} class={m.amount >= 0 ? 'credit' : 'debit'} data-testid="live-movement">
              <span class="when">{formatDateTime(m.createdAt)}</span>
              <span class="what">
                {m.counterparty ? `${m.amount >= 0 ? 'From' : 'To'} ${m.counterparty.name}` : typeLabel(m.transactionType)}
                {m.narration ? ` · ${m.narration}` : ''}
              </span>
              <span class="amount">{formatSignedMoney(m.amount, m.currency)}</span>
            </li>
          ))}
        </ol>
      </section>
      {renaming && <RenameDialog account={renaming} onDone={() => setRenaming(null)} />}
      {closing && <CloseDialog account={closing} onDone={() => setClosing(null)} />}
    </div>
  );
}

function OpenAccount() {
  const session = useSession();
  const [currency, setCurrency] = useState('NGN');
  const [name, setName] = useState('');
  const [opened, setOpened] = useState<Account | null>(null);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    setOpened(null);
    void action.run(async () => {
      const account = await session.bank.openAccount(currency, name.trim());
      await session.loadAccounts();
      session.interaction('opened-account', { currency });
      setOpened(account);
      setName('');
    });
  };
  return (
    <section aria-labelledby="open-title" class="card">
      <h2 id="open-title">Open an account</h2>
      <form class="inline-form" onSubmit={submit}>
        <Field label="Currency">
          <select name="currency" value={currency} onChange={(e) => setCurrency(inputValue(e))}>
            {CURRENCIES.map((code) => (
              <option key={code} value={code}>
                {code}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Account name">
          <input name="description" maxLength={140} placeholder="e.g. Savings" value={name} onInput={(e) => setName(inputValue(e))} />
        </Field>
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Opening…' : 'Open account'}
        </button>
      </form>
      <ErrorText error={action.error} />
      {opened && (
        <Success>
          Opened {opened.currency} account {opened.accountNumber}.
        </Success>
      )}
    </section>
  );
}

function RenameDialog({ account, onDone }: { account: Account; onDone: () => void }) {
  const session = useSession();
  const [name, setName] = useState(account.description);
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await session.bank.renameAccount(account.id, name.trim());
      await session.loadAccounts();
      session.interaction('renamed-account');
      onDone();
    });
  };
  return (
    <Dialog open title={`Rename account ${account.accountNumber}`} onClose={onDone}>
      <form onSubmit={submit} class="stack">
        <Field label="New account name">
          <input name="description" maxLength={140} required value={name} onInput={(e) => setName(inputValue(e))} />
        </Field>
        <ErrorText error={action.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={action.busy}>
            Save name
          </button>
          <button type="button" class="secondary" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function CloseDialog({ account, onDone }: { account: Account; onDone: () => void }) {
  const session = useSession();
  const action = useAction();
  const close = () =>
    void action.run(async () => {
      await session.bank.closeAccount(account.id);
      await session.loadAccounts();
      session.interaction('closed-account');
      onDone();
    });
  return (
    <Dialog open title={`Close account ${account.accountNumber}?`} onClose={onDone}>
      <p>
        Only an account with a zero balance can be closed. This one holds <strong>{formatMoney(account.balance, account.currency)}</strong>.
        Its history stays available.
      </p>
      <ErrorText error={action.error} />
      <div class="actions">
        <button type="button" class="danger" disabled={action.busy} onClick={close}>
          Close account
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          Keep it open
        </button>
      </div>
    </Dialog>
  );
}
