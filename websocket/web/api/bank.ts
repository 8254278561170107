import type { HttpClient } from './http';
import type { Account, ActivityLine, HistoryEntry, Movement, Page, Party, TokenAnswer, Transaction, TransactionType, User } from './types';

export interface HistoryFilter {
  type?: TransactionType | '';
  /** ISO instants. */
  from?: string;
  to?: string;
}

/**
 * One money movement the customer has confirmed. Its Idempotency-Key is made once, when the intent
 * is formed, and sent with every retry of it: a double click or a retry after a dropped connection
 * moves the money at most once. A new intent (new amount, new recipient) gets a new key.
 */
export interface Intent<Body> {
  key: string;
  body: Body;
}
export const newIntent = <Body>(body: Body): Intent<Body> => ({ key: crypto.randomUUID(), body });

export type DepositBody = { accountId: string; amount: number; narration?: string };
export type SendBody = { fromAccountId: string; toAccountNumber: string; amount: number; narration?: string };

/** bank-core's endpoints as the page uses them; every call goes through the one HttpClient. */
export function createBankApi(http: HttpClient) {
  const { request } = http;
  return {
    async signIn(email: string, password: string): Promise<void> {
      const answer = await request<TokenAnswer>('/api/users/login', {
        method: 'POST',
        body: { email, password },
        anonymous: true,
        // The refresh token goes into an httpOnly cookie, out of this page's reach.
        headers: { 'X-Refresh-Token-Delivery': 'cookie' },
      });
      http.setToken(answer.token);
    },
    signUp: (name: string, email: string, password: string) =>
      request<User>('/api/users/signup', { method: 'POST', body: { name, email, password }, anonymous: true }),
    /** Ends the session on the server (the cookie's refresh token) and forgets the access token. */
    async signOut(): Promise<void> {
      http.setToken(null);
      await request('/api/users/logout', { method: 'POST', anonymous: true }).catch(() => undefined);
    },
    me: () => request<User>('/api/users/me'),
    updateUser: (id: string, changes: { name?: string; email?: string; password?: string; currentPassword?: string }) =>
      request<User>(`/api/users/${id}`, { method: 'PUT', body: changes }),

    accounts: async () => (await request<Page<Account>>('/api/accounts')).items,
    openAccount: (currency: string, description: string) =>
      request<Account>('/api/accounts', { method: 'POST', body: { currency, description } }),
    renameAccount: (id: string, description: string) => request<Account>(`/api/accounts/${id}`, { method: 'PUT', body: { description } }),
    closeAccount: (id: string) => request<Account>(`/api/accounts/${id}`, { method: 'DELETE' }),
    /** The name enquiry: who owns this account number, before any money moves. */
    recipient: (accountNumber: string) => request<Party>(`/api/users/search/${accountNumber}`),

    deposit: (intent: Intent<DepositBody>) =>
      request<Movement>('/api/transactions/deposit', { method: 'POST', body: intent.body, idempotencyKey: intent.key }),
    withdraw: (intent: Intent<DepositBody>) =>
      request<Movement>('/api/transactions/withdraw', { method: 'POST', body: intent.body, idempotencyKey: intent.key }),
    send: (intent: Intent<SendBody>) =>
      request<Movement>('/api/transactions/send', { method: 'POST', body: intent.body, idempotencyKey: intent.key }),

    history: (accountId: string, filter: HistoryFilter, cursor?: string, limit = 20) =>
      request<Page<HistoryEntry>>(`/api/transactions/history/${accountId}`, { query: { ...filter, cursor, limit } }),
    /** The statement file as a Blob, with the name the server gave it. */
    async statement(accountId: string, format: 'csv' | 'pdf', range: { from?: string; to?: string }) {
      const res = await request<Response>(`/api/transactions/history/${accountId}/statement.${format}`, { query: range }, true);
      const name = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? `statement.${format}`;
      return { blob: await res.blob(), name };
    },

    // Staff (admins) only; bank-core refuses everyone else.
    findUsers: (query: { email?: string; accountNumber?: string }) => request<Page<User>>('/api/users', { query: { ...query, limit: 20 } }),
    user: (id: string) => request<User>(`/api/users/${id}`),
    userAccounts: async (id: string) => (await request<Page<Account>>(`/api/users/${id}/accounts`)).items,
    reverse: (transactionId: string, reason: string) =>
      request<Transaction>(`/api/transactions/${transactionId}/reverse`, { method: 'POST', body: { reason } }),
    transaction: (id: string) => request<Transaction>(`/api/transactions/${id}`),
    /** A user's lines of interactions.txt or errors.txt (the websocket service's own API). */
    activity: (kind: 'interactions' | 'errors', userId: string, cursor?: string) =>
      request<Page<ActivityLine>>(`/api/websocket/${kind}`, { query: { userId, cursor, limit: 200 } }),
  };
}

export type BankApi = ReturnType<typeof createBankApi>;
