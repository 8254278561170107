import { createAdmin, createUser, type TestUser } from './support/factories';
import { deposit, transfer } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const send = (from: TestUser, to: TestUser, amount: number, narration?: string) => transfer(t, from, to, amount, narration);

describe('GET /api/transactions/history/:accountId', () => {
  it('lists newest first with the signed amount, balance after and counterparty of each entry', async () => {
    const alice = await createUser(t, { name: 'Alice' });
    const bob = await createUser(t, { name: 'Bob' });
    await deposit(t, alice, 1_000);
    await send(alice, bob, 300, 'Rent');
    await send(bob, alice, 50, 'Change');

    const res = await t.http.get(`/api/transactions/history/${alice.account.id}`).set(alice.auth);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((item: Record<string, unknown>) => [item.type, item.amount, item.balanceAfter, item.narration])).toEqual([
      ['transfer', 50, 750, 'Change'],
      ['transfer', -300, 700, 'Rent'],
      ['deposit', 1_000, 1_000, null],
    ]);
    expect(res.body.items[0].counterparty).toEqual({ accountNumber: bob.account.accountNumber, name: 'Bob' });
    expect(res.body.items[2].counterparty).toBeNull();
  });

  it('pages with a cursor that stays correct while new transactions arrive', async () => {
    const alice = await createUser(t);
    for (let i = 1; i <= 5; i += 1) await deposit(t, alice, i);
    const first = await t.http.get(`/api/transactions/history/${alice.account.id}?limit=2`).set(alice.auth);
    expect(first.body.items.map((item: { amount: number }) => item.amount)).toEqual([5, 4]);
    await deposit(t, alice, 6);
    const second = await t.http
      .get(`/api/transactions/history/${alice.account.id}?limit=2&cursor=${first.body.nextCursor}`)
      .set(alice.auth);
    expect(second.body.items.map((item: { amount: number }) => item.amount)).toEqual([3, 2]);
    const third = await t.http
      .get(`/api/transactions/history/${alice.account.id}?limit=2&cursor=${second.body.nextCursor}`)
      .set(alice.auth);
    expect(third.body.items.map((item: { amount: number }) => item.amount)).toEqual([1]);
    expect(third.body.nextCursor).toBeNull();
  });

  it('filters by type and time', async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    await deposit(t, alice, 500);
    await send(alice, bob, 100);
    const transfers = await t.http.get(`/api/transactions/history/${alice.account.id}?type=transfer`).set(alice.auth);
    expect(transfers.body.items).toHaveLength(1);
    const future = new Date(Date.now() + 60_000).toISOString();
    const none = await t.http.get(`/api/transactions/history/${alice.account.id}`).query({ from: future }).set(alice.auth);
    expect(none.body.items).toEqual([]);
    const bad = await t.http.get(`/api/transactions/history/${alice.account.id}?cursor=nonsense&limit=500`).set(alice.auth);
    expect(bad.status).toBe(400);
  });

  it("answers 404 for someone else's account; an admin may read it", async () => {
    const alice = await createUser(t);
    const mallory = await createUser(t);
    const admin = await createAdmin(t);
    await deposit(t, alice, 100);
    expect((await t.http.get(`/api/transactions/history/${alice.account.id}`).set(mallory.auth)).status).toBe(404);
    expect((await t.http.get(`/api/transactions/history/${alice.account.id}/statement.csv`).set(mallory.auth)).status).toBe(404);
    const asAdmin = await t.http.get(`/api/transactions/history/${alice.account.id}`).set(admin.auth);
    expect(asAdmin.body.items).toHaveLength(1);
  });
});

describe('GET /api/transactions and /api/transactions/:id', () => {
  it("a customer sees only transactions touching their accounts; an admin sees everyone's and can filter by user", async () => {
    const alice = await createUser(t);
    const bob = await createUser(t);
    const carol = await createUser(t);
    const admin = await createAdmin(t);
    await deposit(t, alice, 500);
    const transfer = (await send(alice, bob, 100)).body;
    const carols = await deposit(t, carol, 42);

    const bobs = await t.http.get('/api/transactions').set(bob.auth);
    expect(bobs.body.items.map((item: { id: string }) => item.id)).toEqual([transfer.id]);
    expect((await t.http.get(`/api/transactions/${transfer.id}`).set(bob.auth)).status).toBe(200);
    expect((await t.http.get(`/api/transactions/${carols.id}`).set(bob.auth)).status).toBe(404);

    const carolsAsAdmin = await t.http.get('/api/transactions').query({ userId: carol.id }).set(admin.auth);
    expect(carolsAsAdmin.body.items.map((item: { id: string }) => item.id)).toEqual([carols.id]);
    expect((await t.http.get(`/api/transactions/${carols.id}`).set(admin.auth)).status).toBe(200);
    const all = await t.http.get('/api/transactions?limit=100').set(admin.auth);
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
  });

  it('a customer cannot list another user by passing userId or their account', async () => {
    const alice = await createUser(t);
    const mallory = await createUser(t);
    await deposit(t, alice, 500);
    const byUser = await t.http.get('/api/transactions').query({ userId: alice.id }).set(mallory.auth);
    expect(byUser.body.items).toEqual([]);
    const byAccount = await t.http.get('/api/transactions').query({ accountId: alice.account.id }).set(mallory.auth);
    expect(byAccount.status).toBe(404);
  });

  it('pages newest first with a cursor', async () => {
    const alice = await createUser(t);
    for (let i = 1; i <= 3; i += 1) await deposit(t, alice, i);
    const first = await t.http.get('/api/transactions?limit=2').set(alice.auth);
    expect(first.body.items.map((item: { amount: number }) => item.amount)).toEqual([3, 2]);
    const second = await t.http.get(`/api/transactions?limit=2&cursor=${first.body.nextCursor}`).set(alice.auth);
    expect(second.body.items.map((item: { amount: number }) => item.amount)).toEqual([1]);
    expect(second.body.nextCursor).toBeNull();
  });
});
