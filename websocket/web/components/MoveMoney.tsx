import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { newIntent, type DepositBody, type Intent } from '../api/bank';
import type { Movement } from '../api/types';
import { amountLimitOf, formatMoney, parseAmount } from '../format/money';
import type { Store } from '../state/store';
import { useAppState, useSession } from './context';
import { SendMoney } from './SendMoney';
import { AccountSelect, AmountAndNarration, ErrorText, Success, useAction } from './ui';

type Kind = 'deposit' | 'withdraw' | 'send';
const LABELS: Record<Kind, string> = { deposit: 'Deposit', withdraw: 'Withdraw', send: 'Send money' };

/** Deposit, withdraw and send, one at a time. */
export function MoveMoney() {
  const [kind, setKind] = useState<Kind>('send');
  return (
    <div class="screen">
      <section class="card" aria-labelledby="move-title">
        <h2 id="move-title">Move money</h2>
        <div class="segmented" role="group" aria-label="What to do">
          {(Object.keys(LABELS) as Kind[]).map((k) => (
            <button key={k} type="button" aria-pressed={kind === k} onClick={() => setKind(k)}>
              {LABELS[k]}
            </button>
          ))}
        </div>
        {kind === 'send' ? <SendMoney /> : <CashForm key={kind} kind={kind} />}
      </section>
    </div>
  );
}

/**
 * A refused movement in plain words: bank-core's amount limit becomes "At most ₦100,000,000.00 per
 * transaction" (and is kept, so the next amount typed is checked against it); other errors pass unchanged.
 */
export function explainRefusal(error: unknown, currency: string, store: Store): unknown {
  const limit = error instanceof ApiError ? amountLimitOf(error.details) : null;
  if (limit === null || !(error instanceof ApiError)) return error;
  store.set({ amountLimit: limit });
  return new ApiError(`At most ${formatMoney(limit, currency)} per transaction`, error.status, error.code, error.requestId, error.details);
}

/** A failure after which the same intent may be retried with its key: no answer, or the server failed. */
export const retryable = (error: unknown) => error instanceof ApiError && (error.isNetwork || error.status >= 500 || error.status === 409);

/**
 * Cash in or out of one account. The Idempotency-Key belongs to the intent: retrying the same form
 * after a dropped connection sends the same key; any change of the form, or a success, starts a new one.
 */
function CashForm({ kind }: { kind: 'deposit' | 'withdraw' }) {
  const session = useSession();
  const accounts = useAppState((s) => s.accounts.filter((a) => a.status === 'open'));
  const limit = useAppState((s) => s.amountLimit ?? undefined);
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? '');
  const [amount, setAmount] = useState('');
  const [narration, setNarration] = useState('');
  const [done, setDone] = useState<Movement | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const intent = useRef<Intent<DepositBody> | null>(null);
  const action = useAction();
  const account = accounts.find((a) => a.id === accountId) ?? accounts[0];
  const typed = account && amount.trim() ? parseAmount(amount, account.currency, limit) : null;
  // The button names the amount as read, so the customer confirms exactly what is posted.
  const verb = `${kind === 'deposit' ? 'Deposit' : 'Withdraw'}${typed?.ok && account ? ` ${formatMoney(typed.minor, account.currency)}` : ''}`;

  const submit = (event: Event) => {
    event.preventDefault();
    setDone(null);
    if (!account) return;
    const parsed = parseAmount(amount, account.currency, limit);
    // One error box at a time: a refusal of the typed amount replaces the bank's last answer.
    if (!parsed.ok) {
      action.clear();
      return setInvalid(parsed.message);
    }
    setInvalid(null);
    const body: DepositBody = { accountId: account.id, amount: parsed.minor, ...(narration.trim() ? { narration: narration.trim() } : {}) };
    if (!intent.current || JSON.stringify(intent.current.body) !== JSON.stringify(body)) intent.current = newIntent(body);
    const current = intent.current;
    void action.run(async () => {
      try {
        const movement = await (kind === 'deposit' ? session.bank.deposit(current) : session.bank.withdraw(current));
        intent.current = null;
        setDone(movement);
        setAmount('');
        setNarration('');
        session.interaction(kind === 'deposit' ? 'deposited' : 'withdrew', { transactionId: movement.id, reference: movement.reference });
        await session.loadAccounts();
      } catch (error) {
        if (!retryable(error)) intent.current = null;
        throw explainRefusal(error, account.currency, session.store);
      }
    });
  };

  return (
    <form class="stack" onSubmit={submit} aria-label={kind === 'deposit' ? 'Deposit' : 'Withdraw'}>
      <AccountSelect
        label={kind === 'deposit' ? 'Into account' : 'From account'}
        accounts={accounts}
        value={account?.id ?? ''}
        onChange={setAccountId}
      />
      <AmountAndNarration
        hint={account ? `In ${account.currency}` : undefined}
        currency={account?.currency}
        max={limit}
        amount={amount}
        onAmount={setAmount}
        narration={narration}
        onNarration={setNarration}
        invalid={invalid}
      />
      <ErrorText error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        {action.busy ? 'Working…' : retryable(action.error) ? 'Try again' : verb}
      </button>
      {done && (
        <Success>
          {kind === 'deposit' ? 'Deposited' : 'Withdrew'} {formatMoney(done.amount, done.currency)}. New balance{' '}
          {formatMoney(done.balanceAfter, done.currency)}. Reference {done.reference}.
        </Success>
      )}
    </form>
  );
}
