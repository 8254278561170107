import type { TransactionPostedEvent } from '@bank/common';
import type { ActivityLog } from './activity-log.service';
import type { SocketRegistry } from './socket-registry';

/** What a client receives for each leg of a posted transaction that touched one of its accounts. */
export interface AccountTransactionMessage {
  type: 'account.transaction';
  eventId: string;
  transactionId: string;
  accountId: string;
  accountNumber: string;
  transactionType: TransactionPostedEvent['transactionType'];
  /** Signed minor units: negative when money left the account. */
  amount: number;
  currency: string;
  balanceAfter: number;
  counterparty: { accountNumber: string; name: string } | null;
  narration: string | null;
  createdAt: string;
  requestId: string | null;
}

/**
 * Fans one ledger event out to the owners of its legs (both sides of a transfer) and records each
 * leg in interactions.txt with bank-core's request id, so the two services' logs can be joined.
 * The line is written whether or not the owner is connected (it is the record of what was offered),
 * and whatever the owner's activity quota or the disk budget: the service, not a client, wrote it.
 */
export function createAccountEventDispatcher({ registry, activity }: { registry: SocketRegistry; activity: ActivityLog }) {
  return (event: TransactionPostedEvent): void => {
    for (const leg of event.legs) {
      const message: AccountTransactionMessage = {
        type: 'account.transaction',
        eventId: event.eventId,
        transactionId: event.transactionId,
        accountId: leg.accountId,
        accountNumber: leg.accountNumber,
        transactionType: event.transactionType,
        amount: leg.amount,
        currency: event.currency,
        balanceAfter: leg.balanceAfter,
        counterparty: leg.counterparty,
        narration: event.narration,
        createdAt: event.createdAt,
        requestId: event.requestId,
      };
      const deliveredTo = registry.pushToUser(leg.userId, message);
      const { type, ...data } = message;
      activity.recordServer('interactions', {
        time: new Date().toISOString(),
        userId: leg.userId,
        connectionId: null,
        correlationId: null,
        ...(event.requestId ? { requestId: event.requestId } : {}),
        type,
        data: { ...data, deliveredTo },
      });
    }
  };
}
