import type { Request, Response } from 'express';
import { caller } from '../middlewares/authenticate.middleware';
import type { AccountService } from '../services/account.service';
import { parse } from '../utils/parse';
import { createAccountBody, updateAccountBody } from '../validations/account.validation';
import { idParams } from '../validations/common.validation';
import { presentAccount } from './presenters';

export function createAccountController({ accounts }: { accounts: AccountService }) {
  return {
    create: async (req: Request, res: Response) => {
      const account = await accounts.open(caller(req).userId, parse(createAccountBody, req.body, 'body'));
      res.status(201).json(presentAccount(account));
    },

    list: async (req: Request, res: Response) => {
      res.json({ items: (await accounts.list(caller(req).userId)).map(presentAccount) });
    },

    get: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      res.json(presentAccount(await accounts.getOwned(caller(req).userId, id)));
    },

    update: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      const { description } = parse(updateAccountBody, req.body, 'body');
      res.json(presentAccount(await accounts.describe(caller(req).userId, id, description)));
    },

    close: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      res.json(presentAccount(await accounts.close(caller(req).userId, id)));
    },
  };
}
