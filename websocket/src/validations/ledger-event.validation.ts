import { z } from 'zod';
import type { TransactionPostedEvent } from '@bank/common';

const amount = z.number().int().refine(Number.isSafeInteger, 'must be a safe integer');

/** common/src/ledger-events.ts as a schema: a feed event is checked before anything is pushed to a client. */
export const transactionPostedEventSchema = z.object({
  eventId: z.string().min(1),
  type: z.literal('transaction.posted'),
  transactionId: z.string().min(1),
  transactionType: z.enum(['deposit', 'withdrawal', 'transfer', 'reversal']),
  currency: z.string().min(1),
  narration: z.string().nullable(),
  requestId: z.string().nullable(),
  createdAt: z.string().min(1),
  legs: z.array(
    z.object({
      accountId: z.string().min(1),
      accountNumber: z.string().min(1),
      userId: z.string().min(1),
      amount,
      balanceAfter: amount,
      counterparty: z.object({ accountNumber: z.string(), name: z.string() }).nullable(),
    }),
  ),
}) satisfies z.ZodType<TransactionPostedEvent>;
