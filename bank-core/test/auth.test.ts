import { createUser } from './support/factories';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('signup', () => {
  it('creates a customer with a default NGN account at zero and never returns the password', async () => {
    const res = await t.http.post('/api/users/signup').send({ name: ' Ada ', email: ' Ada@Example.COM ', password: 'correct horse' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Ada', email: 'ada@example.com', role: 'customer' });
    expect(res.body.account).toMatchObject({ currency: 'NGN', balance: 0, status: 'open' });
    expect(res.body.account.accountNumber).toMatch(/^[1-9][0-9]{9}$/);
    expect(JSON.stringify(res.body)).not.toMatch(/correct horse|password|hash/i);
  });
});
