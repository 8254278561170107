import type { Request, Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors/app-error';
import { caller } from '../middlewares/authenticate.middleware';
import type { IdempotencyService } from '../services/idempotency.service';
import { requestFingerprint } from '../services/idempotency.service';
import type { LedgerQueryService } from '../services/ledger-query.service';
import type { Initiator, LedgerService, Movement, MovementResult } from '../services/ledger.service';
import { parse } from '../utils/parse';
import { encodeCursor, idParams } from '../validations/common.validation';
import * as schemas from '../validations/transaction.validation';
import { toPage } from './page';
import { presentHistoryEntry, presentTransaction } from './presenters';

const idempotencyHeaders = z.object({ 'idempotency-key': schemas.idempotencyKey.optional() });

const presentMovement = (movement: Movement) => ({ ...presentTransaction(movement.transaction), balanceAfter: movement.balanceAfter });

const initiator = (req: Request): Initiator => ({ userId: caller(req).userId, requestId: req.requestId });

export function createTransactionController(deps: {
  ledger: LedgerService;
  ledgerQueries: LedgerQueryService;
  idempotency: IdempotencyService;
  maxTransactionAmount: number;
}) {
  const { ledger, ledgerQueries, idempotency } = deps;
  const bodies = schemas.movementBodies(deps.maxTransactionAmount);

  /**
   * Moves money and answers 201. With an Idempotency-Key, the first answer is kept; a repeat gets it
   * again with Idempotency-Replayed (rebuilt from the ledger if it was never stored).
   */
  async function move(
    req: Request,
    res: Response,
    operation: string,
    input: unknown,
    execute: (initiator: Initiator) => Promise<MovementResult>,
  ) {
    const key = parse(idempotencyHeaders, { 'idempotency-key': req.get('idempotency-key') }, 'headers')['idempotency-key'];
    const who = initiator(req);
    const result = await execute(
      key === undefined ? who : { ...who, idempotency: { key, fingerprint: requestFingerprint(operation, input) } },
    );
    if (!result.replayed) {
      const body = presentMovement(result.movement);
      if (key !== undefined) await idempotency.storeResponse({ userId: who.userId, key, status: 201, body });
      res.status(201).json(body);
      return;
    }
    res.setHeader('Idempotency-Replayed', 'true');
    if (result.stored) {
      res.status(result.stored.status).json(result.stored.body);
      return;
    }
    res.status(201).json(presentMovement(await ledgerQueries.movementByKey(who.userId, key!)));
  }

  return {
    deposit: async (req: Request, res: Response) => {
      const input = parse(bodies.deposit, req.body, 'body');
      await move(req, res, 'deposit', input, (who) => ledger.deposit(who, input));
    },

    withdraw: async (req: Request, res: Response) => {
      const input = parse(bodies.withdraw, req.body, 'body');
      await move(req, res, 'withdraw', input, (who) => ledger.withdraw(who, input));
    },

    send: async (req: Request, res: Response) => {
      const input = parse(bodies.send, req.body, 'body');
      await move(req, res, 'send', input, (who) => ledger.send(who, input));
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
