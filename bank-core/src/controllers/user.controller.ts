import type { Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { caller } from '../middlewares/authenticate.middleware';
import type { AccountService } from '../services/account.service';
import type { AuthService } from '../services/auth.service';
import type { UserService } from '../services/user.service';
import { parse } from '../utils/parse';
import { encodeCursor, idParams } from '../validations/common.validation';
import * as schemas from '../validations/user.validation';
import { toPage } from './page';
import { presentAccount, presentUser } from './presenters';
import type { SessionCookies } from './session-cookie';

const NO_REFRESH_TOKEN = () =>
  new AppError({
    code: 'VALIDATION',
    message: 'No refresh token: send refreshToken in the body, or the bank_refresh cookie',
    details: [{ path: 'body.refreshToken', message: 'Required when there is no bank_refresh cookie' }],
  });

export function createUserController({
  auth,
  users,
  accounts,
  cookies,
}: {
  auth: AuthService;
  users: UserService;
  accounts: AccountService;
  cookies: SessionCookies;
}) {
  return {
    signup: async (req: Request, res: Response) => {
      const { user, account } = await auth.signup(parse(schemas.signupBody, req.body, 'body'));
      res.status(201).json({ ...presentUser(user), account: presentAccount(account) });
    },

    login: async (req: Request, res: Response) => {
      const cookie = cookies.wantsCookie(req);
      cookies.sendPair(res, await auth.login(parse(schemas.loginBody, req.body, 'body')), cookie);
    },

    /** A refresh token from the cookie is answered through the cookie again (the browser's reload path). */
    refresh: async (req: Request, res: Response) => {
      const cookie = cookies.wantsCookie(req);
      const { refreshToken, fromCookie } = cookies.presented(req);
      if (refreshToken === undefined) throw NO_REFRESH_TOKEN();
      try {
        cookies.sendPair(res, await auth.refresh(refreshToken), cookie || fromCookie);
      } catch (error) {
        // A spent or revoked cookie is of no further use: drop it so the browser stops sending it.
        if (fromCookie) cookies.clear(res);
        throw error;
      }
    },

    logout: async (req: Request, res: Response) => {
      const { refreshToken } = cookies.presented(req);
      if (refreshToken !== undefined) await auth.logout(refreshToken);
      cookies.clear(res);
      res.status(204).end();
    },

    me: async (req: Request, res: Response) => {
      const actor = caller(req);
      res.json(presentUser(await users.get(actor, actor.userId)));
    },

    list: async (req: Request, res: Response) => {
      const query = parse(schemas.listUsersQuery, req.query, 'query');
      const rows = await users.list({
        limit: query.limit + 1,
        after: query.cursor,
        email: query.email,
        accountNumber: query.accountNumber,
      });
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

    /** A user's accounts with their balances: their own, or anyone's for an admin. */
    accounts: async (req: Request, res: Response) => {
      const { id } = parse(idParams, req.params, 'params');
      const user = await users.get(caller(req), id);
      res.json({ items: (await accounts.list(user.id)).map(presentAccount) });
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
