// The shapes bank-core answers with (bank-core/docs/openapi.yaml). Amounts are integer minor units.

export type Role = 'customer' | 'admin';
export type TransactionType = 'deposit' | 'withdrawal' | 'transfer' | 'reversal';

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role;
  createdAt: string;
}

export interface Account {
  id: string;
  accountNumber: string;
  currency: string;
  balance: number;
  description: string;
  status: 'open' | 'closed';
  createdAt: string;
  closedAt: string | null;
}

export interface Party {
  accountNumber: string;
  name: string;
}

export interface Transaction {
  id: string;
  type: TransactionType;
  status: 'completed';
  amount: number;
  currency: string;
  narration: string | null;
  reference: string;
  from: Party | null;
  to: Party | null;
  reversalOf: string | null;
  reversedBy: string | null;
  createdAt: string;
}

/** A movement's answer: the transaction and the balance of the caller's account after it. */
export interface Movement extends Transaction {
  balanceAfter: number;
}

export interface HistoryEntry {
  transactionId: string;
  type: TransactionType;
  amount: number;
  balanceAfter: number;
  currency: string;
  counterparty: Party | null;
  narration: string | null;
  reference: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface TokenAnswer {
  token: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface ActivityLine {
  time: string;
  userId: string | null;
  connectionId: string | null;
  correlationId: string | null;
  requestId?: string;
  type: string;
  data: unknown;
}

export interface PageConfig {
  wsPath: string;
  idleTimeoutMs: number;
  idleWarningMs: number;
}
