import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors/app-error';
import { caller } from '../middlewares/authenticate.middleware';
import type { IdempotencyService } from '../services/idempotency.service';
import { requestFingerprint } from '../services/idempotency.service';
import type { LedgerQueryService } from '../services/ledger-query.service';
import type { LedgerService, Movement } from '../services/ledger.service';
import type { Transaction } from '../db/database';
import { parse } from '../utils/parse';
import { encodeCursor, idParams } from '../validations/common.validation';
import * as schemas from '../validations/transaction.validation';
import { toPage } from './page';
import { presentHistoryEntry, presentTransaction } from './presenters';

const idempotencyHeaders = z.object({ 'idempotency-key': schemas.idempotencyKey.optional() });

const presentMovement = (movement: Movement) => ({ ...presentTransaction(movement.transaction), balanceAfter: movement.balanceAfter });

export function createTransactionController(deps: {
  ledger: LedgerService;
  ledgerQueries: LedgerQueryService;
  idempotency: IdempotencyService;
  maxTransactionAmount: number;
}) {
  const { ledger, ledgerQueries, idempotency } = deps;
  const bodies = schemas.movementBodies(deps.maxTransactionAmount);

  /** Runs a money movement once per Idempotency-Key (when the client sent one) and answers 201. */
  async function move(req: Request, res: Response, operation: string, input: unknown, execute: (tx?: Transaction) => Promise<Movement>) {
    const key = parse(idempotencyHeaders, { 'idempotency-key': req.get('idempotency-key') }, 'headers')['idempotency-key'];
    if (key === undefined) {
      res.status(201).json(presentMovement(await execute()));
      return;
    }
    const scope = { userId: caller(req).userId, key, fingerprint: requestFingerprint(operation, input) };
    const response = await idempotency.run(scope, async (tx) => ({ status: 201, body: presentMovement(await execute(tx)) }));
    if (response.replayed) res.setHeader('Idempotency-Replayed', 'true');
    res.status(response.status).json(response.body);
  }

  const initiator = (req: Request) => ({ userId: caller(req).userId, requestId: req.requestId });

  return {
    deposit: async (req: Request, res: Response) => {
      const input = parse(bodies.deposit, req.body, 'body');
      await move(req, res, 'deposit', input, (tx) => ledger.deposit(initiator(req), input, tx));
    },

    withdraw: async (req: Request, res: Response) => {
      const input = parse(bodies.withdraw, req.body, 'body');
      await move(req, res, 'withdraw', input, (tx) => ledger.withdraw(initiator(req), input, tx));
    },

    send: async (req: Request, res: Response) => {
      const input = parse(bodies.send, req.body, 'body');
      await move(req, res, 'send', input, (tx) => ledger.send(initiator(req), input, tx));
    },

    reverse: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      const { reason } = parse(schemas.reverseBody, req.body, 'body');
      res.status(201).json(presentTransaction(await ledger.reverse(initiator(req), id, reason)));
    },

    get: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      res.json(presentTransaction(await ledgerQueries.get(caller(req), id)));
    },

    list: async (req: Request, res: Response) => {
      const query = parse(schemas.listTransactionsQuery, req.query, 'query');
      const { cursor, limit, ...filter } = query;
      const rows = await ledgerQueries.list(caller(req), { ...filter, after: cursor, limit: limit + 1 });
      res.json(toPage(rows, limit, presentTransaction, encodeCursor));
    },

    history: async (req: Request, res: Response) => {
      const { accountId } = parse(schemas.accountIdParams, req.params, 'params');
      const { cursor, limit, ...filter } = parse(schemas.historyQuery, req.query, 'query');
      const entries = await ledgerQueries.history(caller(req), accountId, { ...filter, beforeEntryId: cursor, limit: limit + 1 });
      res.json(toPage(entries, limit, presentHistoryEntry, (entry) => schemas.encodeEntryCursor(entry.entryId)));
    },

    immutable: (_req: Request, res: Response) => {
      res.setHeader('Allow', 'GET');
      throw new AppError({
        code: 'METHOD_NOT_ALLOWED',
        message: 'The ledger is immutable: transactions cannot be changed or deleted; an admin can reverse one',
      });
    },
  };
}
