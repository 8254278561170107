import { auditLedger } from '../src/repositories/ledger-audit.repository';
import { createUser } from './support/factories';
import { balanceOf } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

// Balances are JavaScript numbers on their way out, so the ledger keeps every balance within
// ±(2^53 - 1): a posting that would leave that range is refused before it commits, and nothing that
// happens after a commit can turn a committed movement into an error.
const CEILING = 1_000_000_000_000_000; // the largest MAX_TRANSACTION_AMOUNT the configuration accepts
const SAFE = Number.MAX_SAFE_INTEGER; // 9,007,199,254,740,991

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAX_TRANSACTION_AMOUNT: String(CEILING) });
});
afterAll(() => t.close());

describe('the largest balance an account can hold', () => {
  it('a deposit that would pass 2^53 - 1 is refused with 422 and moves nothing; the account and its currency keep working', async () => {
    const alice = await createUser(t);
    const eur = await t.http.post('/api/accounts').set(alice.auth).send({ currency: 'EUR' }).expect(201);
    const depositEur = (amount: number, user = alice, accountId = eur.body.id as string) =>
      t.http.post('/api/transactions/deposit').set(user.auth).send({ accountId, amount });

    for (let i = 0; i < 9; i += 1) await depositEur(CEILING).expect(201); // 9 x 10^15, just under 2^53
    const refused = await depositEur(CEILING);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('UNPROCESSABLE');
    expect(await balanceOf(t, alice, eur.body.id)).toBe(9 * CEILING);
    (await t.http.get('/api/accounts').set(alice.auth).expect(200)).body.items.forEach((account: { balance: number }) =>
      expect(Number.isSafeInteger(account.balance)).toBe(true),
    );

    // The EUR settlement account now stands at -9 x 10^15: what is left of the range still takes deposits.
    const bob = await createUser(t);
    const bobEur = await t.http.post('/api/accounts').set(bob.auth).send({ currency: 'EUR' }).expect(201);
    const room = SAFE - 9 * CEILING;
    await depositEur(room, bob, bobEur.body.id).expect(201);
    expect((await depositEur(1, bob, bobEur.body.id)).status).toBe(422);
    await t.http.post('/api/transactions/withdraw').set(alice.auth).send({ accountId: eur.body.id, amount: 5 }).expect(201);
    expect(await balanceOf(t, bob, bobEur.body.id)).toBe(room);
    expect((await auditLedger(t.db)).flatMap((check) => check.violations)).toEqual([]);
  });
});
