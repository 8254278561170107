import { cloneElement, type ComponentChildren, type VNode } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/http';
import { formatMoney, parseAmount } from '../format/money';

/**
 * A labelled form control: the label names it, and the hint (if any) describes it, so assistive
 * technology reads "Amount, edit text, In NGN, e.g. 150.50".
 */
export function Field({ label, hint, children }: { label: string; hint?: string | undefined; children: VNode }) {
  const id = useId();
  return (
    <div class="field">
      <label class="field-label" for={id}>
        {label}
      </label>
      {cloneElement(children, { id, 'aria-describedby': hint ? `${id}-hint` : undefined })}
      {hint && (
        <small class="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
    </div>
  );
}

/** An async action's three states: busy, done (with a message), failed (with the error and its request id). */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const running = useRef(false);
  return {
    busy,
    error,
    clear: () => setError(null),
    /** Runs `work` unless it is already running (a double click does nothing twice). */
    async run<T>(work: () => Promise<T>): Promise<T | undefined> {
      if (running.current) return undefined;
      running.current = true;
      setBusy(true);
      setError(null);
      try {
        return await work();
      } catch (caught) {
        setError(caught);
        return undefined;
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
  };
}

/** A readable error, with the reference support needs to find it in bank-core's logs. */
export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : 'Something went wrong';
  const requestId = error instanceof ApiError ? error.requestId : null;
  return (
    <p class="message error" role="alert">
      {message}
      {requestId && <span class="reference"> Reference for support: {requestId}</span>}
    </p>
  );
}

export function Success({ children }: { children: ComponentChildren }) {
  return (
    <p class="message success" role="status">
      {children}
    </p>
  );
}

/**
 * A modal dialog on the native <dialog>: the browser keeps focus inside and Escape closes it; focus
 * goes to the first control on open and back to where it was on close.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnTo.current = document.activeElement as HTMLElement | null;
      dialog.showModal();
      dialog.querySelector<HTMLElement>('input, textarea, select, button:not(.dialog-close)')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  const closed = () => {
    returnTo.current?.focus();
    if (open) onClose();
  };
  return (
    <dialog ref={ref} aria-labelledby={id} onClose={closed} class="dialog">
      <h2 id={id}>{title}</h2>
      {open && children}
    </dialog>
  );
}

/** An account picker for forms. */
export function AccountSelect({
  label,
  accounts,
  value,
  onChange,
  name,
}: {
  label: string;
  accounts: { id: string; accountNumber: string; currency: string; description: string }[];
  value: string;
  onChange: (id: string) => void;
  name?: string;
}) {
  return (
    <Field label={label}>
      <select name={name} value={value} required onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.description || 'Account'} · {a.accountNumber} ({a.currency})
          </option>
        ))}
      </select>
    </Field>
  );
}

/** The value of the control an input or change event came from. */
export const inputValue = (event: { currentTarget: EventTarget | null }) => (event.currentTarget as HTMLInputElement).value;

/**
 * The amount (typed in major units) and the optional narration of a movement, and why the typed amount is
 * not one (`invalid`), as every money form asks for them. While the customer types, the amount as the page
 * reads it ("₦1.23") is shown beside the field, so "1,23" can never silently become ₦123.
 */
export function AmountAndNarration(props: {
  hint: string | undefined;
  currency: string | undefined;
  max?: number | undefined;
  amount: string;
  onAmount: (value: string) => void;
  narration: string;
  onNarration: (value: string) => void;
  invalid: string | null | undefined;
}) {
  const parsed = props.currency && props.amount.trim() ? parseAmount(props.amount, props.currency, props.max) : null;
  return (
    <>
      <Field label="Amount" hint={props.hint}>
        <input
          name="amount"
          inputMode="decimal"
          autocomplete="off"
          required
          value={props.amount}
          onInput={(e) => props.onAmount(inputValue(e))}
        />
      </Field>
      <p class="amount-read" data-testid="amount-read" aria-live="polite">
        {parsed && props.currency ? (parsed.ok ? `Amount: ${formatMoney(parsed.minor, props.currency)}` : parsed.message) : ''}
      </p>
      <Field label="Narration (optional)">
        <input name="narration" maxLength={140} value={props.narration} onInput={(e) => props.onNarration(inputValue(e))} />
      </Field>
      {props.invalid && (
        <p class="message error" role="alert">
          {props.invalid}
        </p>
      )}
    </>
  );
}
