import { z } from 'zod';
import { accountNumber, cursor, displayText, isoDateTime, limit, safeIntegerCursor, uuid } from './common.validation';

const TRANSACTION_TYPES = ['deposit', 'withdrawal', 'transfer', 'reversal'] as const;
// Shown to the other side too: in the recipient's history, statement and live events.
const narration = displayText({ max: 140 }).optional();

/** Bodies of the three money-moving requests; the amount ceiling comes from config. */
export function movementBodies(maxAmount: number) {
  const amount = z
    .number({ message: 'Must be an integer number of minor units' })
    .int('Must be an integer number of minor units (e.g. kobo)')
    .positive('Must be greater than zero')
    .max(maxAmount, `At most ${maxAmount} minor units per transaction`);
  return {
    deposit: z.strictObject({ accountId: uuid, amount, narration }),
    withdraw: z.strictObject({ accountId: uuid, amount, narration }),
    send: z.strictObject({ fromAccountId: uuid, toAccountNumber: accountNumber, amount, narration }),
  };
}

/**
 * Why an admin reverses a transaction. It is kept in the reversal's narration ("Reversal of <reference>:
 * <reason>", within the 140 characters a narration may have), so it is part of the ledger itself.
 */
export const REVERSAL_REASON_MAX = 100;
export const reverseBody = z.strictObject({ reason: displayText({ min: 3, max: REVERSAL_REASON_MAX }) });

// Printable ASCII without spaces: UUIDs and the like, safe to store and compare.
export const idempotencyKey = z.string().regex(/^[\x21-\x7e]{1,255}$/, 'Must be 1 to 255 printable ASCII characters without spaces');

const range = { from: isoDateTime.optional(), to: isoDateTime.optional() };
/** A period ending before it starts would print a false closing row: refused, naming `to`. */
const inOrder = (query: { from?: Date | undefined; to?: Date | undefined }) => !query.from || !query.to || query.from <= query.to;
const ORDER = { message: 'Must not be before from', path: ['to'] };

export const accountIdParams = z.strictObject({ accountId: uuid });

/** Opaque entry-id cursor for account history: `h` and the id of the last entry shown. */
export const entryCursor = safeIntegerCursor('h');
export const encodeEntryCursor = (entryId: number) => `h${entryId}`;

export const historyQuery = z
  .strictObject({
    limit: limit(100, 20),
    cursor: entryCursor.optional(),
    type: z.enum(TRANSACTION_TYPES).optional(),
    ...range,
  })
  .refine(inOrder, ORDER);

export const statementQuery = z.strictObject(range).refine(inOrder, ORDER);

export const listTransactionsQuery = z
  .strictObject({
    limit: limit(100, 20),
    cursor: cursor.optional(),
    type: z.enum(TRANSACTION_TYPES).optional(),
    accountId: uuid.optional(),
    userId: uuid.optional(),
    ...range,
  })
  .refine(inOrder, ORDER);
