import type { Request, Response } from 'express';
import { caller } from '../middlewares/authenticate.middleware';
import type { LedgerQueryService } from '../services/ledger-query.service';
import { csvRow } from '../utils/csv';
import { toDecimal } from '../utils/money';
import { parse } from '../utils/parse';
import * as schemas from '../validations/transaction.validation';
import { writeStatementPdf } from './statement-pdf';

export const CSV_COLUMNS = [
  'date',
  'reference',
  'type',
  'narration',
  'counterparty_account',
  'counterparty_name',
  'amount',
  'currency',
  'balance_after',
  'amount_minor',
  'balance_after_minor',
];

/** An account's statement as CSV or PDF; both read the same service call, so their figures agree. */
export function createStatementController({ ledgerQueries }: { ledgerQueries: LedgerQueryService }) {
  const load = async (req: Request) => {
    const { accountId } = parse(schemas.accountIdParams, req.params, 'params');
    const range = parse(schemas.statementQuery, req.query, 'query');
    return { accountId, ...(await ledgerQueries.statement(caller(req), accountId, range)) };
  };

  return {
    /**
     * CSV: a header, a dated opening_balance row, one row per entry oldest first, a dated
     * closing_balance row. Amounts are decimal major units beside the currency, with the exact
     * integer minor units in the last two columns for machines. Streamed page by page.
     */
    csv: async (req: Request, res: Response) => {
      const { accountId, account, period, opening, entries } = await load(req);
      const { currency } = account;
      const balanceRow = (type: string, at: Date, balance: number) =>
        csvRow([at.toISOString(), '', type, null, null, null, null, currency, toDecimal(balance, currency), null, balance]);
      res.type('text/csv; charset=utf-8').attachment(`statement-${accountId}.csv`);
      res.write(csvRow(CSV_COLUMNS));
      res.write(balanceRow('opening_balance', period.from, opening));
      let closing = opening;
      for await (const entry of entries()) {
        closing = entry.balanceAfter;
        res.write(
          csvRow([
            entry.createdAt.toISOString(),
            entry.reference,
            entry.type,
            entry.narration,
            entry.counterparty?.accountNumber ?? null,
            entry.counterparty?.name ?? null,
            toDecimal(entry.amount, currency),
            currency,
            toDecimal(entry.balanceAfter, currency),
            entry.amount,
            entry.balanceAfter,
          ]),
        );
      }
      res.end(balanceRow('closing_balance', period.to, closing));
    },

    /** PDF, drawn on the server: the same figures as the CSV, laid out for people. */
    pdf: async (req: Request, res: Response) => {
      const statement = await load(req);
      res.type('application/pdf').attachment(`statement-${statement.accountId}.pdf`);
      await writeStatementPdf(res, statement);
    },
  };
}
