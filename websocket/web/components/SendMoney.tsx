import { useRef, useState } from 'preact/hooks';
import { newIntent, type Intent, type SendBody } from '../api/bank';
import type { Account, Movement, Party } from '../api/types';
import { formatMoney, parseAmount } from '../format/money';
import { useAppState, useSession } from './context';
import { explainRefusal, retryable } from './MoveMoney';
import { Receipt } from './Receipt';
import { AccountSelect, AmountAndNarration, ErrorText, Field, inputValue, useAction } from './ui';

interface Review {
  from: Account;
  to: Party;
  intent: Intent<SendBody>;
}

/**
 * Sending: account number -> the recipient's name (name enquiry) -> review -> confirm -> receipt.
 * The Idempotency-Key is made when the review is shown and used for every attempt of that
 * confirmation, so a double click or a retry after a dropped connection sends once.
 */
export function SendMoney() {
  const session = useSession();
  const accounts = useAppState((s) => s.accounts.filter((a) => a.status === 'open'));
  const limit = useAppState((s) => s.amountLimit ?? undefined);
  const [fromId, setFromId] = useState(accounts[0]?.id ?? '');
  const [number, setNumber] = useState('');
  const [amount, setAmount] = useState('');
  const [narration, setNarration] = useState('');
  const [invalid, setInvalidText] = useState<string | null>(null);
  const [review, setReview] = useState<Review | null>(null);
  const [receipt, setReceipt] = useState<{ movement: Movement; from: Account } | null>(null);
  const lookup = useAction();
  const confirm = useAction();
  const confirmButton = useRef<HTMLButtonElement>(null);
  const from = accounts.find((a) => a.id === fromId) ?? accounts[0];

  // One error box at a time: a new refusal replaces the last one, whichever kind it was.
  const setInvalid = (message: string | null) => {
    if (message) lookup.clear();
    setInvalidText(message);
  };

  const toReview = (event: Event) => {
    event.preventDefault();
    if (!from) return;
    const accountNumber = number.replace(/\s/g, '');
    if (!/^\d{10}$/.test(accountNumber)) return setInvalid('An account number has 10 digits');
    if (accountNumber === from.accountNumber) return setInvalid('That is the account you are sending from; choose another recipient');
    // The name enquiry does not give a recipient's currency; for the customer's own accounts the page knows it.
    const own = accounts.find((a) => a.accountNumber === accountNumber);
    if (own && own.currency !== from.currency)
      return setInvalid(`Account ${own.accountNumber} holds ${own.currency}; send to it from a ${own.currency} account`);
    const parsed = parseAmount(amount, from.currency, limit);
    if (!parsed.ok) return setInvalid(parsed.message);
    setInvalid(null);
    void lookup.run(async () => {
      const to = await session.bank.recipient(accountNumber);
      const body: SendBody = {
        fromAccountId: from.id,
        toAccountNumber: accountNumber,
        amount: parsed.minor,
        ...(narration.trim() ? { narration: narration.trim() } : {}),
      };
      setReview({ from, to, intent: newIntent(body) });
      requestAnimationFrame(() => confirmButton.current?.focus());
    });
  };

  const send = () => {
    if (!review) return;
    void confirm.run(async () => {
      const movement = await session.bank.send(review.intent).catch((error: unknown) => {
        throw explainRefusal(error, review.from.currency, session.store);
      });
      session.interaction('sent-money', { transactionId: movement.id, reference: movement.reference });
      setReceipt({ movement, from: review.from });
      setReview(null);
      await session.loadAccounts();
    });
  };

  const restart = () => {
    setReceipt(null);
    setReview(null);
    setNumber('');
    setAmount('');
    setNarration('');
    confirm.clear();
  };

  if (receipt) return <Receipt movement={receipt.movement} from={receipt.from} onAnother={restart} />;

  if (review) {
    const { body } = review.intent;
    return (
      <section aria-labelledby="review-title" class="review">
        <h3 id="review-title">Check before you send</h3>
        <dl class="facts">
          <dt>From</dt>
          <dd>
            {review.from.description || 'Account'} · {review.from.accountNumber}
          </dd>
          <dt>To</dt>
          <dd>
            <strong>{review.to.name}</strong> · {review.to.accountNumber}
          </dd>
          <dt>Amount</dt>
          <dd class="amount">{formatMoney(body.amount, review.from.currency)}</dd>
          <dt>Narration</dt>
          <dd>{body.narration ?? '—'}</dd>
        </dl>
        <ErrorText error={confirm.error} />
        <div class="actions">
          <button ref={confirmButton} type="button" class="primary" disabled={confirm.busy} onClick={send}>
            {confirm.busy ? 'Sending…' : retryable(confirm.error) ? 'Try again' : 'Confirm and send'}
          </button>
          <button
            type="button"
            class="secondary"
            disabled={confirm.busy}
            onClick={() => {
              setReview(null);
              confirm.clear();
            }}
          >
            Change details
          </button>
        </div>
      </section>
    );
  }

  return (
    <form class="stack" onSubmit={toReview} aria-label="Send money">
      <AccountSelect label="From account" accounts={accounts} value={from?.id ?? ''} onChange={setFromId} />
      <Field label="Recipient account number" hint="10 digits">
        <input
          name="toAccountNumber"
          inputMode="numeric"
          autocomplete="off"
          required
          maxLength={12}
          value={number}
          onInput={(e) => setNumber(inputValue(e))}
        />
      </Field>
      <AmountAndNarration
        hint={from ? `In ${from.currency}, available ${formatMoney(from.balance, from.currency)}` : undefined}
        currency={from?.currency}
        max={limit}
        amount={amount}
        onAmount={setAmount}
        narration={narration}
        onNarration={setNarration}
        invalid={invalid}
      />
      <ErrorText error={lookup.error} />
      <button type="submit" class="primary" disabled={lookup.busy}>
        {lookup.busy ? 'Looking up the recipient…' : 'Continue'}
      </button>
    </form>
  );
}
