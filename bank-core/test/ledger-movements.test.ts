import { createAdmin, createUser, type TestUser } from './support/factories';
import { balanceOf, deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MAX_TRANSACTION_AMOUNT: '1000000' });
});
afterAll(() => t.close());

const send = (user: TestUser, body: Record<string, unknown>) => t.http.post('/api/transactions/send').set(user.auth).send(body);
const openAccount = async (user: TestUser, currency = 'NGN') =>
  (await t.http.post('/api/accounts').set(user.auth).send({ description: 'extra', currency })).body as {
    id: string;
    accountNumber: string;
  };

describe('POST /api/transactions/deposit', () => {
  it('credits the account and answers with the transaction and the balance after', async () => {
    const user = await createUser(t, { name: 'Ada' });
    const res = await t.http
      .post('/api/transactions/deposit')
      .set(user.auth)
      .send({ accountId: user.account.id, amount: 5_000, narration: 'Salary' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      type: 'deposit',
      status: 'completed',
      amount: 5_000,
      currency: 'NGN',
      narration: 'Salary',
      reference: expect.stringMatching(/^TX[0-9A-Z]{16}$/),
      from: null,
      to: { accountNumber: user.account.accountNumber, name: 'Ada' },
      reversalOf: null,
      reversedBy: null,
      createdAt: expect.any(String),
      balanceAfter: 5_000,
    });
    expect(await balanceOf(t, user)).toBe(5_000);
  });

  it.each([
    [0, 'zero'],
    [-100, 'negative'],
    [10.5, 'fractional'],
    ['100', 'a string'],
    [1_000_001, 'above the configured maximum'],
    [1e300, 'huge'],
    [null, 'null'],
  ] as [unknown, string][])('refuses an amount of %j (%s) with 400 and moves nothing', async (amount) => {
    const user = await createUser(t);
    const res = await t.http.post('/api/transactions/deposit').set(user.auth).send({ accountId: user.account.id, amount });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.amount' })]));
    expect(await balanceOf(t, user)).toBe(0);
  });

  it('refuses unknown fields, a long narration and a missing account id', async () => {
    const user = await createUser(t);
    for (const body of [
      { accountId: user.account.id, amount: 1, balance: 5 },
      { accountId: user.account.id, amount: 1, narration: 'x'.repeat(141) },
      { amount: 1 },
      { accountId: 'not-a-uuid', amount: 1 },
    ]) {
      expect((await t.http.post('/api/transactions/deposit').set(user.auth).send(body)).status).toBe(400);
    }
  });

  it("answers 404 for someone else's account, exactly as for a missing one", async () => {
    const owner = await createUser(t);
    const stranger = await createUser(t);
    const theirs = await t.http.post('/api/transactions/deposit').set(stranger.auth).send({ accountId: owner.account.id, amount: 100 });
    const missing = await t.http
      .post('/api/transactions/deposit')
      .set(stranger.auth)
      .send({ accountId: '00000000-0000-4000-8000-000000000000', amount: 100 });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(theirs.body.error.message).toBe(missing.body.error.message);
    expect(await balanceOf(t, owner)).toBe(0);
  });

  it('refuses a closed account with 409', async () => {
    const user = await createUser(t);
    const extra = await openAccount(user);
    await t.http.delete(`/api/accounts/${extra.id}`).set(user.auth).expect(200);
    const res = await t.http.post('/api/transactions/deposit').set(user.auth).send({ accountId: extra.id, amount: 100 });
    expect(res.status).toBe(409);
  });

  it('needs a valid access token', async () => {
    const user = await createUser(t);
    const res = await t.http.post('/api/transactions/deposit').send({ accountId: user.account.id, amount: 100 });
    expect(res.status).toBe(401);
  });
});

describe('POST /api/transactions/withdraw', () => {
  it('debits the account', async () => {
    const user = await createUser(t);
    await deposit(t, user, 1_000);
    const res = await t.http.post('/api/transactions/withdraw').set(user.auth).send({ accountId: user.account.id, amount: 400 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'withdrawal',
      amount: 400,
      from: { accountNumber: user.account.accountNumber },
      to: null,
      balanceAfter: 600,
    });
    expect(await balanceOf(t, user)).toBe(600);
  });

  it('refuses to go below zero with 422 INSUFFICIENT_FUNDS and changes nothing', async () => {
    const user = await createUser(t);
    await deposit(t, user, 1_000);
    const res = await t.http.post('/api/transactions/withdraw').set(user.auth).send({ accountId: user.account.id, amount: 1_001 });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INSUFFICIENT_FUNDS');
    expect(await balanceOf(t, user)).toBe(1_000);
  });

  it('lets the whole balance go, down to exactly zero', async () => {
    const user = await createUser(t);
    await deposit(t, user, 1_000);
    const res = await t.http.post('/api/transactions/withdraw').set(user.auth).send({ accountId: user.account.id, amount: 1_000 });
    expect(res.body.balanceAfter).toBe(0);
  });
});

describe('POST /api/transactions/send', () => {
  it("moves money by account number and shows the recipient's number and name, never their balance", async () => {
    const alice = await createUser(t, { name: 'Alice' });
    const bob = await createUser(t, { name: 'Bob' });
    await deposit(t, alice, 10_000);
    await deposit(t, bob, 777);
    const res = await send(alice, {
      fromAccountId: alice.account.id,
      toAccountNumber: bob.account.accountNumber,
      amount: 2_500,
      narration: 'Lunch',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: 'transfer',
      amount: 2_500,
      currency: 'NGN',
      narration: 'Lunch',
      from: { accountNumber: alice.account.accountNumber, name: 'Alice' },
      to: { accountNumber: bob.account.accountNumber, name: 'Bob' },
      balanceAfter: 7_500,
    });
    expect(JSON.stringify(res.body)).not.toContain('3277');
    expect(await balanceOf(t, alice)).toBe(7_500);
    expect(await balanceOf(t, bob)).toBe(3_277);
  });

  it('refuses each invalid transfer with its own status, and no balance changes', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const mallory = await createUser(t);
    await deposit(t, alice, 1_000);
    const usd = await openAccount(bob, 'USD');
    const closed = await openAccount(bob);
    await t.http.delete(`/api/accounts/${closed.id}`).set(bob.auth).expect(200);

    const cases: [Record<string, unknown>, number, string][] = [
      [{ toAccountNumber: alice.account.accountNumber, amount: 1 }, 422, 'UNPROCESSABLE'],
      [{ toAccountNumber: usd.accountNumber, amount: 1 }, 422, 'UNPROCESSABLE'],
      [{ toAccountNumber: closed.accountNumber, amount: 1 }, 404, 'NOT_FOUND'],
      [{ toAccountNumber: '1000000000', amount: 1 }, 404, 'NOT_FOUND'],
      [{ toAccountNumber: bob.account.accountNumber, amount: 1_001 }, 422, 'INSUFFICIENT_FUNDS'],
      [{ toAccountNumber: '12345', amount: 1 }, 400, 'VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const res = await send(alice, { fromAccountId: alice.account.id, ...body });
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status, code });
    }
    const stolen = await send(mallory, { fromAccountId: alice.account.id, toAccountNumber: mallory.account.accountNumber, amount: 1 });
    expect(stolen.status).toBe(404);
    expect(await balanceOf(t, alice)).toBe(1_000);
    expect(await balanceOf(t, bob)).toBe(0);
    expect(await balanceOf(t, mallory)).toBe(0);
  });

  it("between a user's own accounts works too", async () => {
    const user = await createUser(t);
    const savings = await openAccount(user);
    await deposit(t, user, 500);
    const res = await send(user, { fromAccountId: user.account.id, toAccountNumber: savings.accountNumber, amount: 200 });
    expect(res.status).toBe(201);
    expect(await balanceOf(t, user, savings.id)).toBe(200);
  });
});

describe('account balances', () => {
  it("equal the sum of the account's history entries", async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 9_000);
    await send(alice, { fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 1_234 }).expect(201);
    await t.http.post('/api/transactions/withdraw').set(alice.auth).send({ accountId: alice.account.id, amount: 66 }).expect(201);
    const history = await t.http.get(`/api/transactions/history/${alice.account.id}`).set(alice.auth);
    const sum = history.body.items.reduce((total: number, item: { amount: number }) => total + item.amount, 0);
    expect(sum).toBe(await balanceOf(t, alice));
    expect(history.body.items[0].balanceAfter).toBe(await balanceOf(t, alice));
  });
});

describe('PUT, PATCH and DELETE /api/transactions/:id', () => {
  it('answer 405: the ledger is immutable', async () => {
    const user = await createUser(t);
    const { id } = await deposit(t, user, 100);
    for (const method of ['put', 'patch', 'delete'] as const) {
      const res = await t.http[method](`/api/transactions/${id}`).set(user.auth).send({ amount: 1 });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET');
      expect(res.body.error.message).toMatch(/immutable/);
    }
    expect(await balanceOf(t, user)).toBe(100);
  });
});

describe('POST /api/transactions/:id/reverse', () => {
  const REASON = { reason: 'Sent to the wrong account by mistake' };

  it('lets an admin post one compensating transaction, and refuses a second', async () => {
    const admin = await createAdmin(t);
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 1_000);
    const transfer = (await send(alice, { fromAccountId: alice.account.id, toAccountNumber: bob.account.accountNumber, amount: 300 })).body;

    const reversal = await t.http.post(`/api/transactions/${transfer.id}/reverse`).set(admin.auth).send(REASON);
    expect(reversal.status).toBe(201);
    expect(reversal.body).toMatchObject({
      type: 'reversal',
      amount: 300,
      narration: `Reversal of ${transfer.reference}: ${REASON.reason}`,
      reversalOf: transfer.id,
      from: { accountNumber: bob.account.accountNumber },
      to: { accountNumber: alice.account.accountNumber },
    });
    expect(await balanceOf(t, alice)).toBe(1_000);
    expect(await balanceOf(t, bob)).toBe(0);
    const original = await t.http.get(`/api/transactions/${transfer.id}`).set(alice.auth);
    expect(original.body.reversedBy).toBe(reversal.body.id);

    const again = await t.http.post(`/api/transactions/${transfer.id}/reverse`).set(admin.auth).send(REASON);
    expect(again.status).toBe(409);
    const ofReversal = await t.http.post(`/api/transactions/${reversal.body.id}/reverse`).set(admin.auth).send(REASON);
    expect(ofReversal.status).toBe(422);
    expect(await balanceOf(t, alice)).toBe(1_000);
  });

  it('refuses when the money has since been spent', async () => {
    const admin = await createAdmin(t);
    const alice = await createUser(t);
    await deposit(t, alice, 500);
    const { id } = (await t.http.post('/api/transactions/deposit').set(alice.auth).send({ accountId: alice.account.id, amount: 100 })).body;
    await t.http.post('/api/transactions/withdraw').set(alice.auth).send({ accountId: alice.account.id, amount: 550 }).expect(201);
    const res = await t.http.post(`/api/transactions/${id}/reverse`).set(admin.auth).send(REASON);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INSUFFICIENT_FUNDS');
  });

  it('is for admins only', async () => {
    const alice = await createUser(t);
    const { id } = await deposit(t, alice, 100);
    expect((await t.http.post(`/api/transactions/${id}/reverse`).set(alice.auth).send(REASON)).status).toBe(403);
    const admin = await createAdmin(t);
    expect((await t.http.post('/api/transactions/00000000-0000-4000-8000-000000000000/reverse').set(admin.auth).send(REASON)).status).toBe(
      404,
    );
  });

  it.each([
    ['no body', undefined],
    ['no reason', {}],
    ['a reason of two characters', { reason: ' ab ' }],
    ['a reason over 100 characters', { reason: 'x'.repeat(101) }],
    ['an unknown field', { reason: 'Duplicate payment', refund: true }],
  ])('refuses a reversal with %s, and moves nothing', async (_case, body) => {
    const admin = await createAdmin(t);
    const alice = await createUser(t);
    const { id } = await deposit(t, alice, 700);
    const res = await t.http.post(`/api/transactions/${id}/reverse`).set(admin.auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
    expect(await balanceOf(t, alice)).toBe(700);
    expect((await t.http.get(`/api/transactions/${id}`).set(alice.auth)).body.reversedBy).toBeNull();
  });
});
