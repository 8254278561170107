import type { Queryable } from '../db/database';
import * as ledger from '../repositories/ledger.repository';
import type { LedgerAccount } from '../repositories/ledger.repository';

interface Request {
  ids: string[];
  accountNumbers: string[];
  resolve(accounts: LedgerAccount[]): void;
  reject(error: unknown): void;
}

/**
 * Reads the accounts of postings prepared in the same turn of the event loop with one query
 * instead of one each: the read half of group commit on the embedded database, where a statement
 * costs far more than the rows it returns. Each caller gets exactly the accounts it asked for.
 */
export function createAccountLoader(db: Queryable) {
  let queued: Request[] = [];

  async function flush(): Promise<void> {
    const batch = queued;
    queued = [];
    try {
      const found = await ledger.findPostingAccounts(
        db,
        [...new Set(batch.flatMap((request) => request.ids))],
        [...new Set(batch.flatMap((request) => request.accountNumbers))],
      );
      for (const request of batch) {
        request.resolve(
          found.filter(
            (account) =>
              request.ids.includes(account.id) || (account.kind === 'customer' && request.accountNumbers.includes(account.accountNumber)),
          ),
        );
      }
    } catch (error) {
      for (const request of batch) request.reject(error);
    }
  }

  return {
    load(ids: string[], accountNumbers: string[] = []): Promise<LedgerAccount[]> {
      return new Promise((resolve, reject) => {
        queued.push({ ids, accountNumbers, resolve, reject });
        if (queued.length === 1) setImmediate(() => void flush());
      });
    },
  };
}
