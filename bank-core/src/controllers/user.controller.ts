import type { Request, Response } from 'express';
import { caller } from '../middlewares/authenticate.middleware';
import type { AccountService } from '../services/account.service';
import type { AuthService } from '../services/auth.service';
import type { UserService } from '../services/user.service';
import { parse } from '../utils/parse';
import { encodeCursor, idParams } from '../validations/common.validation';
import * as schemas from '../validations/user.validation';
import { toPage } from './page';
import { presentAccount, presentUser } from './presenters';

export function createUserController({ auth, users, accounts }: { auth: AuthService; users: UserService; accounts: AccountService }) {
  return {
    signup: async (req: Request, res: Response) => {
      const { user, account } = await auth.signup(parse(schemas.signupBody, req.body, 'body'));
      res.status(201).json({ ...presentUser(user), account: presentAccount(account) });
    },

    login: async (req: Request, res: Response) => {
      res.json(await auth.login(parse(schemas.loginBody, req.body, 'body')));
    },

    refresh: async (req: Request, res: Response) => {
      res.json(await auth.refresh(parse(schemas.refreshBody, req.body, 'body').refreshToken));
    },

    logout: async (req: Request, res: Response) => {
      await auth.logout(parse(schemas.refreshBody, req.body, 'body').refreshToken);
      res.status(204).end();
    },

    me: async (req: Request, res: Response) => {
      const actor = caller(req);
      res.json(presentUser(await users.get(actor, actor.userId)));
    },

    list: async (req: Request, res: Response) => {
      const query = parse(schemas.listUsersQuery, req.query, 'query');
      const rows = await users.list({ limit: query.limit + 1, after: query.cursor });
      res.json(toPage(rows, query.limit, presentUser, encodeCursor));
    },

    get: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      res.json(presentUser(await users.get(caller(req), id)));
    },

    update: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      const changes = parse(schemas.updateUserBody, req.body, 'body');
      res.json(presentUser(await users.update(caller(req), id, changes)));
    },

    remove: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      await users.remove(caller(req), id);
      res.status(204).end();
    },

    findByAccountNumber: async (req: Request, res: Response) => {
      const { accountNumber } = parse(schemas.accountNumberParams, req.params, 'params');
      res.json(await accounts.findRecipient(accountNumber));
    },
  };
}
