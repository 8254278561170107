import { useEffect, useState } from 'preact/hooks';
import type { SocketStatus } from '../api/socket';
import type { Account, User } from '../api/types';

/** One movement pushed by the socket (`account.transaction`, protocol.md). */
export interface LiveMovement {
  eventId: string;
  transactionId: string;
  accountId: string;
  accountNumber: string;
  transactionType: 'deposit' | 'withdrawal' | 'transfer' | 'reversal';
  amount: number;
  currency: string;
  balanceAfter: number;
  counterparty: { accountNumber: string; name: string } | null;
  narration: string | null;
  createdAt: string;
  requestId: string | null;
}

export interface ChatMessage {
  messageId: string;
  conversationId: string;
  from: 'customer' | 'staff';
  staffId: string | null;
  text: string;
  time: string;
  /** Only on this page's own lines until the service acknowledges them. */
  delivery?: 'sending' | 'delivered' | 'failed';
}

export type ChatState = 'waiting' | 'assigned' | 'closed';

export interface Conversation {
  conversationId: string;
  messages: ChatMessage[];
  state: ChatState;
  assignedTo: string | null;
}

export interface ConversationSummary {
  conversationId: string;
  state: ChatState;
  assignedTo: string | null;
  lastMessage: ChatMessage | null;
  unanswered: number;
}

export type View = 'accounts' | 'move' | 'history' | 'statements' | 'profile' | 'support' | 'console';

export interface Notice {
  kind: 'error' | 'info';
  text: string;
  requestId?: string | null;
}

/** Everything the page shows about the signed-in person. Sign-out replaces it with `emptyState()`. */
export interface State {
  phase: 'starting' | 'signed-out' | 'signed-in';
  /** Changes at every sign-in, so screens remount with empty forms. */
  sessionKey: number;
  user: User | null;
  accounts: Account[];
  connection: SocketStatus | 'offline';
  view: View;
  /** The account the history and statements screens show. */
  selectedAccountId: string | null;
  /** Newest first. */
  movements: LiveMovement[];
  /**
   * Counts the socket's returns to "Live" after the first: events may have been missed while it was away, so
   * the accounts are read again and screens showing bank data (History) reload when it changes.
   */
  resyncs: number;
  /** Bank-core's per-transaction limit in minor units, once a refusal has named it; typed amounts are checked against it. */
  amountLimit: number | null;
  chat: Conversation | null;
  queue: ConversationSummary[];
  /** Conversations staff have open in the console. */
  staffChats: Record<string, Conversation>;
  notice: Notice | null;
  idleWarning: boolean;
  /** Why the last session ended, shown on the sign-in screen. */
  endedBecause: string | null;
}

export const emptyState = (phase: State['phase'] = 'signed-out', sessionKey = 0): State => ({
  phase,
  sessionKey,
  user: null,
  accounts: [],
  connection: 'offline',
  view: 'accounts',
  selectedAccountId: null,
  movements: [],
  resyncs: 0,
  amountLimit: null,
  chat: null,
  queue: [],
  staffChats: {},
  notice: null,
  idleWarning: false,
  endedBecause: null,
});

/** A minimal observable store: the page's only holder of what is shown. */
export function createStore(initial: State) {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(change: Partial<State> | ((current: State) => Partial<State>)) {
      state = { ...state, ...(typeof change === 'function' ? change(state) : change) };
      for (const listener of listeners) listener();
    },
    /** Drops everything at once (sign-out). */
    reset(next: State) {
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Store = ReturnType<typeof createStore>;

/** The selected slice of the store, re-rendering when it changes. */
export function useStore<T>(store: Store, select: (state: State) => T): T {
  const [value, setValue] = useState(() => select(store.get()));
  useEffect(() => {
    const update = () => setValue(() => select(store.get()));
    update();
    return store.subscribe(update);
    // Subscribed once per store: the selector is a fresh arrow each render but reads only the store.
  }, [store]);
  return value;
}
