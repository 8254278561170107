import { useEffect, useRef } from 'preact/hooks';
import type { Account, Movement } from '../api/types';
import { formatDateTime } from '../format/dates';
import { formatMoney } from '../format/money';
import { useSession } from './context';

/** The proof of a transfer, to print or to download as a text file. */
export function Receipt({ movement, from, onAnother }: { movement: Movement; from: Account; onAnother: () => void }) {
  const session = useSession();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const rows: [string, string][] = [
    ['Reference', movement.reference],
    ['Date and time', formatDateTime(movement.createdAt)],
    ['Amount', formatMoney(movement.amount, movement.currency)],
    ['From', `${from.description || 'Account'} · ${from.accountNumber}`],
    ['To', movement.to ? `${movement.to.name} · ${movement.to.accountNumber}` : '—'],
    ['Narration', movement.narration ?? '—'],
    ['Balance after', formatMoney(movement.balanceAfter, movement.currency)],
  ];
  const download = () => {
    const text = ['Bank · transfer receipt', '', ...rows.map(([label, value]) => `${label}: ${value}`), ''].join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: `receipt-${movement.reference}.txt` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
    session.interaction('downloaded-receipt', { reference: movement.reference });
  };
  return (
    <section class="receipt" aria-labelledby="receipt-title">
      <h3 id="receipt-title" tabIndex={-1} ref={heading}>
        Money sent
      </h3>
      <dl class="facts">{rows.map(([label, value]) => [<dt key={`${label}-t`}>{label}</dt>, <dd key={`${label}-d`}>{value}</dd>])}</dl>
      <div class="actions no-print">
        <button type="button" class="secondary" onClick={() => window.print()}>
          Print receipt
        </button>
        <button type="button" class="secondary" onClick={download}>
          Download receipt
        </button>
        <button type="button" class="primary" onClick={onAnother}>
          Send more money
        </button>
      </div>
    </section>
  );
}
