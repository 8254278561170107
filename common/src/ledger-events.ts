/**
 * The contract of bank-core's internal event feed (`GET /internal/events`, Server-Sent Events).
 *
 * Each committed money transaction is one event. The SSE `id:` line is the feed position
 * (an opaque string; send it back as `Last-Event-ID` or `?after=` to resume after it); the
 * `data:` line is one `TransactionPostedEvent` as JSON. Delivery is at-least-once: consumers
 * deduplicate by `eventId`.
 */
export interface TransactionPostedEvent {
  /** Unique per event; stable across redeliveries. */
  eventId: string;
  type: 'transaction.posted';
  transactionId: string;
  transactionType: 'deposit' | 'withdrawal' | 'transfer' | 'reversal';
  currency: string;
  narration: string | null;
  /** X-Request-Id of the HTTP request that moved the money. */
  requestId: string | null;
  createdAt: string;
  /** One leg per customer account touched (the settlement account is not listed). */
  legs: LedgerEventLeg[];
}

export interface LedgerEventLeg {
  accountId: string;
  accountNumber: string;
  /** The account owner: whom to notify. */
  userId: string;
  /** Signed, in minor units: negative when money left this account. */
  amount: number;
  balanceAfter: number;
  /** The other side of the movement; null for deposits and withdrawals (cash in or out). */
  counterparty: { accountNumber: string; name: string } | null;
}

export const LEDGER_EVENT_NAME = 'transaction.posted';
