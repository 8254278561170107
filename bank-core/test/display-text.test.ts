import { createUser } from './support/factories';
import { deposit } from './support/money';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Text one person writes and another reads must be safe to show: a payer confirms a recipient by the name the
 * account-number lookup returns, and reads narrations in their history and statement. Names, account
 * descriptions and narrations are normalized to NFC and may not hold controls or invisible formatting.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const signup = (name: string) =>
  t.http.post('/api/users/signup').send({ name, email: `n-${Math.random().toString(36).slice(2)}@example.com`, password: 'correct horse' });

const UNSHOWABLE: [string, string][] = [
  ['only a zero-width space', '\u200b'],
  ['BEL', 'Ada\u0007'],
  ['ESC (a terminal escape)', 'Ada\u001b[31m Lovelace'],
  ['a newline inside', 'Ada\nLovelace'],
  ['a tab inside', 'Ada\tLovelace'],
  ['a C1 control (NEL)', 'Ada\u0085'],
  ['a right-to-left override', 'Ada \u202eecalevoL'],
  ['a bidi isolate', 'Ada \u2066Lovelace\u2069'],
  ['a zero-width space between letters', 'A\u200bda'],
  ['a zero-width joiner', 'A\u200dda'],
  ['a soft hyphen', 'Ada\u00adLovelace'],
  ['a line separator', 'Ada\u2028Lovelace'],
  ['a paragraph separator', 'Ada\u2029Lovelace'],
  ['a private-use character', 'Ada\ue000'],
  ['a noncharacter', 'Ada\uffff'],
];

describe('names', () => {
  it.each(UNSHOWABLE)('refuses a sign-up name with %s', async (_case, name) => {
    const res = await signup(name);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.name' })]));
  });

  it.each([['...'], ['- -'], ['\u0301\u0301']])('refuses a name with no letter or digit: %j', async (name) => {
    const res = await signup(name);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'body.name', message: 'Must contain at least one letter or digit' }]);
  });

  it.each([['Nnamdi Okafor-Eze'], ["Siobhán O'Brien"], ['李小龍'], ['Ἀριστοτέλης'], ['محمد'], ['R2-D2'], ['Zoë 🌻']])(
    'accepts the name %j',
    async (name) => {
      const res = await signup(name);
      expect(res.status).toBe(201);
      expect(res.body.name).toBe(name);
    },
  );

  it('stores a name in NFC, so the payer sees the same letters however they were typed', async () => {
    const decomposed = 'Zoe\u0308 Ange\u0301lique';
    const res = await signup(decomposed);
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Zo\u00eb Ang\u00e9lique');
    const payer = await createUser(t);
    const lookup = await t.http.get(`/api/users/search/${res.body.account.accountNumber}`).set(payer.auth);
    expect(lookup.body).toEqual({ accountNumber: res.body.account.accountNumber, name: 'Zo\u00eb Ang\u00e9lique' });
  });

  it('refuses an unshowable name on update, and the account-number lookup shows the old name', async () => {
    const user = await createUser(t, { name: 'Grace Hopper' });
    for (const [, name] of UNSHOWABLE) {
      const res = await t.http.put(`/api/users/${user.id}`).set(user.auth).send({ name });
      expect(res.status).toBe(400);
    }
    const payer = await createUser(t);
    const lookup = await t.http.get(`/api/users/search/${user.account.accountNumber}`).set(payer.auth);
    expect(lookup.body.name).toBe('Grace Hopper');
  });
});

describe('narrations and account descriptions', () => {
  it.each(UNSHOWABLE.filter(([kind]) => kind !== 'only a zero-width space'))(
    'refuses a narration with %s, and nothing reaches the recipient',
    async (_case, narration) => {
      const sender = await createUser(t);
      const recipient = await createUser(t);
      await deposit(t, sender, 100);
      const res = await t.http
        .post('/api/transactions/send')
        .set(sender.auth)
        .send({ fromAccountId: sender.account.id, toAccountNumber: recipient.account.accountNumber, amount: 10, narration });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.narration' })]));
      const history = await t.http.get(`/api/transactions/history/${recipient.account.id}`).set(recipient.auth);
      expect(history.body.items).toEqual([]);
    },
  );

  it('normalizes a narration to NFC and shows it so in the recipient history', async () => {
    const sender = await createUser(t);
    const recipient = await createUser(t);
    await deposit(t, sender, 100);
    await t.http
      .post('/api/transactions/send')
      .set(sender.auth)
      .send({ fromAccountId: sender.account.id, toAccountNumber: recipient.account.accountNumber, amount: 10, narration: ' Cafe\u0301 ' })
      .expect(201);
    const history = await t.http.get(`/api/transactions/history/${recipient.account.id}`).set(recipient.auth);
    expect(history.body.items[0].narration).toBe('Caf\u00e9');
  });

  it.each(UNSHOWABLE)('refuses an account description with %s', async (_case, description) => {
    const user = await createUser(t);
    expect((await t.http.post('/api/accounts').set(user.auth).send({ description })).status).toBe(400);
    expect((await t.http.put(`/api/accounts/${user.account.id}`).set(user.auth).send({ description })).status).toBe(400);
  });
});
