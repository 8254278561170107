import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import type { Response } from 'supertest';
import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { toSafeInteger } from '../src/utils/integers';
import { loadContract } from './support/contract';
import { createAdmin, createUser, type TestUser } from './support/factories';
import { requestFor, unstorableRequestsFor, type FuzzPools, type FuzzRequest } from './support/fuzz-requests';
import { hostileJson, hostileText, toJson } from './support/fuzz-values';
import { deposit } from './support/money';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app';

/**
 * Thousands of malformed requests, generated from docs/openapi.yaml, against the real app with a real user's
 * valid token (so they reach the validation of authenticated routes). Every answer must be a documented
 * non-5xx (the contract recorder checks the Error body of each), and no money may move except by a 201.
 * `FUZZ_REQUESTS` sets the budget (`npm run fuzz` runs a larger one); `FUZZ_SEED` replays a run.
 */
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2_500);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MONEY_MOVING = new Set(['deposit', 'withdraw', 'send', 'reverseTransaction']);

const contract = loadContract();
let t: TestApp;
let pools: FuzzPools;
let owner: TestUser;
/** Deposits not yet reversed: each reverseTransaction request takes one, so its reason meets the whole path. */
const reversible: string[] = [];

async function addReversible(count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) reversible.push((await deposit(t, owner, 1)).id as string);
}

/** An HS256 token signed with the real secret around any payload, even one jsonwebtoken would refuse to sign. */
function signRaw(payload: Record<string, unknown>, secret = TEST_JWT_SECRET, alg = 'HS256'): string {
  const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(toJson(payload)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${signature}`;
}

/** Tokens that must all be refused with a 401: broken claims under the real signature, and worse. */
function hostileAuthorization(user: TestUser): fc.Arbitrary<string> {
  const claims = jwt.decode(user.token) as Record<string, unknown>;
  const claim = fc.constantFrom('sub', 'sid', 'jti', 'role', 'exp', 'iat', 'nbf', 'iss', 'aud');
  return fc.oneof(
    fc.tuple(claim, hostileJson).map(([name, value]) => `Bearer ${signRaw({ ...claims, [name]: value })}`),
    fc.constant(`Bearer ${signRaw({ ...claims, exp: 1e300 })}`),
    fc.constant(`Bearer ${signRaw(claims, 'another-secret-that-is-long-enough-0123456789')}`),
    fc.constant(`Bearer ${signRaw(claims, TEST_JWT_SECRET, 'none').split('.').slice(0, 2).join('.')}.`),
    fc.constant(`Bearer ${signRaw({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 })}`),
    hostileText.map((text) => `Bearer ${text}`),
    hostileText,
  );
}

beforeAll(async () => {
  // Tokens that outlive a long `npm run fuzz`; tight limits are tested elsewhere.
  t = await startTestApp({ ACCESS_TOKEN_TTL_SECONDS: '86400' });
  owner = await createUser(t, { name: 'Fuzz Owner' });
  const other = await createUser(t, { name: 'Fuzz Recipient' });
  const admin = await createAdmin(t);
  const usd = (await t.http.post('/api/accounts').set(owner.auth).send({ currency: 'USD', description: 'Dollars' })).body;
  // Far more than random withdrawals can take, so the user can never be deleted from under the fuzz.
  const funding = await deposit(t, owner, 1_000_000_000);
  await deposit(t, owner, 1_000_000_000, usd.id);
  await deposit(t, admin, 1_000_000_000);
  await deposit(t, other, 5_000);
  const transactionsCursor = (await t.http.get('/api/transactions?limit=1').set(owner.auth)).body.nextCursor;
  const historyCursor = (await t.http.get(`/api/transactions/history/${owner.account.id}?limit=1`).set(owner.auth)).body.nextCursor;
  const accountIds = [owner.account.id, usd.id, other.account.id, admin.account.id];
  await addReversible(30);

  pools = {
    uuids: [owner.id, owner.account.id, usd.id, other.id, other.account.id, admin.id, admin.account.id, funding.id],
    accountNumbers: [owner.account.accountNumber, usd.accountNumber, other.account.accountNumber, admin.account.accountNumber],
    named: {
      cursor: fc.constantFrom(transactionsCursor, historyCursor),
      // Mostly the caller's own accounts, so money-moving requests that are well-formed do move money.
      accountId: fc.oneof(fc.constantFrom(owner.account.id, usd.id), fc.constantFrom(...accountIds), fc.uuid()),
      fromAccountId: fc.oneof(fc.constantFrom(owner.account.id, usd.id), fc.constantFrom(...accountIds), fc.uuid()),
      after: fc.tuple(fc.nat(), fc.nat()).map(([txId, id]) => `${txId}-${id}`),
      'Last-Event-ID': fc.tuple(fc.nat(), fc.nat()).map(([txId, id]) => `${txId}-${id}`),
      email: fc.oneof(fc.constantFrom(owner.email, other.email, admin.email), fc.stringMatching(/^[a-z0-9]{1,20}@example\.com$/)),
      name: fc.oneof(
        fc.constantFrom('Ada Lovelace', 'Zoë Ångström', '李小龍', 'Nnamdi Okafor-Eze'),
        fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,30}$/),
      ),
      description: fc.constantFrom('', 'Savings', 'Rent – März', '💰 pot'),
      narration: fc.constantFrom('', 'Lunch', 'Invoice #42', 'Café ☕'),
      'Idempotency-Key': fc.oneof(fc.uuid(), fc.constantFrom('fuzz-key-1', 'fuzz-key-2')),
    },
    byOperation: {
      // Taken when the request is generated; once the pool is spent, an already reversed one (409 after validation).
      reverseTransaction: { id: fc.constant(null).map(() => reversible.pop() ?? funding.id) },
    },
    userAuthorization: fc.oneof({ weight: 4, arbitrary: fc.constant(owner.auth.Authorization) }, fc.constant(admin.auth.Authorization)),
    adminAuthorization: fc.constant(admin.auth.Authorization),
    serviceAuthorization: fc.constant(null).map(() => `Bearer ${t.services.serviceTokens.sign('fuzz')}`),
    hostileAuthorization: hostileAuthorization(owner),
  };
});
afterAll(() => t.close());

/** Sends one request as it is. A stream that opens (200 on the event feed) is closed at once. */
async function send(request: FuzzRequest): Promise<Response> {
  const call = t.http[request.method.toLowerCase() as 'get'](request.url).set(request.headers).timeout(15_000);
  if (request.operation.spec.operationId === 'ledgerEvents') {
    call.buffer(true).parse((response, done) => {
      const res = response as unknown as IncomingMessage; // superagent hands the raw Node response to a parser
      if (res.statusCode === 200) {
        res.destroy();
        done(null, '');
        return;
      }
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => done(null, JSON.parse(text)));
    });
  }
  return request.body === undefined ? call : call.send(request.body);
}

const countTransactions = async () =>
  toSafeInteger((await t.db.query<{ n: unknown }>('SELECT count(*) AS n FROM transactions')).rows[0]!.n);

it(
  `answers ${REQUESTS} malformed requests to every documented operation with a documented 4xx or a success, and moves money only by a 201`,
  async () => {
    const arbitrary = fc.oneof(...contract.operations.map((operation) => requestFor(contract.document, operation, pools)));
    const byClass: Record<string, number> = {};
    let created = 0;
    const before = await countTransactions();

    await fc.assert(
      fc.asyncProperty(arbitrary, async (request) => {
        let res: Response;
        try {
          res = await send(request);
        } catch (error) {
          throw new Error(`the connection failed: ${String(error)}`, { cause: error });
        }
        const statusClass = `${String(res.status)[0]}xx`;
        byClass[statusClass] = (byClass[statusClass] ?? 0) + 1;
        if (res.status === 201 && MONEY_MOVING.has(request.operation.spec.operationId as string) && !res.headers['idempotency-replayed']) {
          created += 1;
        }
        // fast-check prints the request (shrunk to the smallest that still fails) and the seed.
        if (res.status >= 500) throw new Error(`answered ${res.status} ${JSON.stringify(res.body)}`);
        if (res.status >= 400 && typeof res.body?.error?.code !== 'string')
          throw new Error(`answered ${res.status} without the Error body`);
      }),
      { numRuns: REQUESTS, seed: SEED },
    );

    const moved = (await countTransactions()) - before;
    const audit = await auditLedger(t.db);
    console.log(
      `API fuzz (seed ${SEED}, FUZZ_SEED replays it): ${REQUESTS} requests over ${contract.operations.length} operations; ` +
        `by status class ${Object.entries(byClass)
          .sort()
          .map(([statusClass, count]) => `${statusClass} ${count}`)
          .join(', ')}; ${moved} ledger transactions for ${created} new 201s of money-moving operations; ` +
        `ledger audit: ${audit.every((check) => check.violations.length === 0) ? 'clean' : 'VIOLATIONS'}`,
    );
    expect(byClass['5xx'] ?? 0).toBe(0);
    expect(moved).toBe(created);
    expect(audit.flatMap((check) => check.violations)).toEqual([]);
  },
  Math.max(120_000, REQUESTS * 100),
);

it('refuses NUL and unpaired surrogates in every path and query parameter and body field of every operation with a 4xx, never a 500', async () => {
  const failures: string[] = [];
  let sent = 0;
  for (const operation of contract.operations) {
    for (const arbitrary of unstorableRequestsFor(contract.document, operation, pools)) {
      if (operation.spec.operationId === 'reverseTransaction') await addReversible(3);
      for (const request of fc.sample(arbitrary, { numRuns: 3, seed: SEED })) {
        const res = await send(request);
        sent += 1;
        if (res.status >= 500 || (res.status >= 400 && typeof res.body?.error?.code !== 'string')) {
          failures.push(`${fc.stringify(request)} answered ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    }
  }
  expect(sent).toBeGreaterThan(100);
  expect(failures).toEqual([]);
}, 300_000);
