import { createAdmin, createUser, type TestUser } from './support/factories';
import { deposit, transfer } from './support/money';
import { pdfLines } from './support/pdf-text';
import { startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const send = (from: TestUser, to: TestUser, amount: number, narration?: string) => transfer(t, from, to, amount, narration);

const statement = (user: TestUser, format: 'csv' | 'pdf', query: Record<string, string> = {}, accountId = user.account.id) =>
  t.http
    .get(`/api/transactions/history/${accountId}/statement.${format}`)
    .query(query)
    .set(user.auth)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });

/** The API's history of the account, oldest first (every page). */
async function historyOf(user: TestUser, query: Record<string, string> = {}) {
  const items: { reference: string; amount: number; balanceAfter: number; createdAt: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: { items: typeof items; nextCursor: string | null } } = await t.http
      .get(`/api/transactions/history/${user.account.id}`)
      .query({ ...query, limit: '100', ...(cursor ? { cursor } : {}) })
      .set(user.auth)
      .expect(200);
    items.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return items.reverse();
}

const rowsOf = (csv: string) => csv.trim().split('\r\n');

describe('GET /api/transactions/history/:accountId/statement.csv', () => {
  it('has dated opening and closing rows with the currency, decimal amounts, minor units for machines, and every entry', async () => {
    const alice = await createUser(t, { name: 'Alice' });
    const bob = await createUser(t, { name: '=HYPERLINK("evil")' });
    await deposit(t, alice, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const from = new Date().toISOString();
    await send(alice, bob, 250, 'Dinner, with "friends"');
    await deposit(t, alice, 5);
    const to = new Date(Date.now() + 60_000).toISOString();

    const res = await statement(alice, 'csv', { from, to });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = rowsOf(res.body.toString('utf8'));
    expect(lines).toEqual([
      'date,reference,type,narration,counterparty_account,counterparty_name,amount,currency,balance_after,amount_minor,balance_after_minor',
      `${from},,opening_balance,,,,,NGN,10.00,,1000`,
      expect.stringMatching(
        new RegExp(
          `,transfer,"Dinner, with ""friends""",${bob.account.accountNumber},"'=HYPERLINK\\(""evil""\\)",-2\\.50,NGN,7\\.50,-250,750$`,
        ),
      ),
      expect.stringMatching(/,deposit,,,,0\.05,NGN,7\.55,5,755$/),
      `${to},,closing_balance,,,,,NGN,7.55,,755`,
    ]);
  });

  it('without a range runs from the day the account opened, at zero, to now', async () => {
    const alice = await createUser(t);
    await deposit(t, alice, 123_456);
    const account = (await t.http.get(`/api/accounts/${alice.account.id}`).set(alice.auth)).body;
    const before = Date.now();
    const lines = rowsOf((await statement(alice, 'csv')).body.toString('utf8'));
    expect(lines[1]).toBe(`${account.createdAt},,opening_balance,,,,,NGN,0.00,,0`);
    expect(lines[2]).toMatch(/,deposit,,,,1234\.56,NGN,1234\.56,123456,123456$/);
    const closing = lines[3]!.split(',');
    expect(closing.slice(1)).toEqual(['', 'closing_balance', '', '', '', '', 'NGN', '1234.56', '', '123456']);
    expect(Date.parse(closing[0]!)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("answers 404 for someone else's account and lets an admin read any customer's", async () => {
    const alice = await createUser(t);
    const mallory = await createUser(t);
    const admin = await createAdmin(t);
    await deposit(t, alice, 100);
    expect((await statement(mallory, 'csv', {}, alice.account.id)).status).toBe(404);
    expect((await statement(mallory, 'pdf', {}, alice.account.id)).status).toBe(404);
    expect((await statement(admin, 'csv', {}, alice.account.id)).status).toBe(200);
    expect((await statement(admin, 'pdf', {}, alice.account.id)).status).toBe(200);
  });
});

describe('GET /api/transactions/history/:accountId/statement.pdf', () => {
  it("names the bank, holder, account, currency and period, and its figures equal the API's history and the CSV", async () => {
    const alice = await createUser(t, { name: 'Alice Statement' });
    const bob = await createUser(t, { name: 'Bob Payee' });
    await deposit(t, alice, 250_000);
    await send(alice, bob, 12_345, 'Rent for March');
    await t.http.post('/api/transactions/withdraw').set(alice.auth).send({ accountId: alice.account.id, amount: 1_000 }).expect(201);
    await send(bob, alice, 55, 'Change');

    const res = await statement(alice, 'pdf');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename=statement-${alice.account.id}.pdf`);
    const lines = pdfLines(res.body as Buffer);
    const text = lines.join('\n');
    expect(lines[0]).toBe('Bank');
    expect(text).toContain('Account holder | Alice Statement');
    expect(text).toContain(`Account number | ${alice.account.accountNumber}`);
    expect(text).toContain('Currency | NGN');
    expect(text).toMatch(/Period \| \d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(text).toContain('Opening balance | NGN 0.00');
    expect(text).toContain('Closing balance | NGN 2,367.10');

    // Every entry of the API's history is a row with its reference, amount and balance after.
    const history = await historyOf(alice);
    expect(history).toHaveLength(4);
    const money = (minor: number) =>
      `${minor < 0 ? '-' : ''}NGN ${Math.floor(Math.abs(minor) / 100).toLocaleString('en')}.${String(Math.abs(minor) % 100).padStart(2, '0')}`;
    // Cells as plain text: how pdf.js cuts a line into pieces is its own business.
    const entryRows = lines.filter((line) => /TX[0-9A-Z]{16}/.test(line)).map((line) => line.replace(/ \| /g, ' '));
    expect(entryRows).toHaveLength(history.length);
    history.forEach((entry, i) => {
      expect(entryRows[i]).toContain(entry.reference);
      expect(entryRows[i]!.endsWith(`${money(entry.amount)} ${money(entry.balanceAfter)}`)).toBe(true);
    });

    // The CSV of the same account carries the same figures, exactly.
    const csv = rowsOf((await statement(alice, 'csv')).body.toString('utf8')).slice(2, -1);
    expect(csv.map((row) => row.split(',').slice(-2).map(Number))).toEqual(history.map((entry) => [entry.amount, entry.balanceAfter]));
  });

  it('prints Cyrillic and Yoruba names and narrations as written, and an emoji the font lacks harms nothing else', async () => {
    const alice = await createUser(t, { name: 'Алиса Петрова' });
    const bob = await createUser(t, { name: 'Adéọlá Ọlọ́run' });
    await deposit(t, alice, 10_000);
    await send(alice, bob, 100, 'Привет, друг');
    await send(alice, bob, 200, 'Ọkàn ẹ 🎉 dùn');
    const text = pdfLines((await statement(alice, 'pdf')).body as Buffer)
      .join('\n')
      .normalize('NFC');
    expect(text).toContain('Account holder | Алиса Петрова');
    expect(text).toContain('Привет, друг');
    expect(text).toContain('Adéọlá Ọlọ́run'.normalize('NFC'));
    expect(text).toContain('Ọkàn ẹ');
    expect(text).toContain('dùn');
  });

  it('runs over several numbered pages when the entries do not fit on one', async () => {
    const alice = await createUser(t);
    for (let i = 1; i <= 45; i += 1) await deposit(t, alice, i);
    const lines = pdfLines((await statement(alice, 'pdf')).body as Buffer);
    // Each row on one line, its reference whole (no character wrapped onto a line of its own).
    expect(lines.filter((line) => /\| TX[0-9A-Z]{16} \|/.test(line))).toHaveLength(45);
    expect(lines.some((line) => /page 2 of 2/.test(line))).toBe(true);
  });
});

describe('statement and history periods', () => {
  it.each([
    ['statement.csv', '/statement.csv'],
    ['statement.pdf', '/statement.pdf'],
    ['history', ''],
  ])('a %s period whose from is after its to is refused with 400 naming query.to', async (_name, suffix) => {
    const alice = await createUser(t);
    const res = await t.http
      .get(`/api/transactions/history/${alice.account.id}${suffix}`)
      .query({ from: '2025-03-01T00:00:00Z', to: '2025-02-01T00:00:00Z' })
      .set(alice.auth);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION');
    expect(res.body.error.details).toEqual([{ path: 'query.to', message: 'Must not be before from' }]);
  });

  it("an admin's transaction list refuses the same reversed period, and an equal from and to is allowed", async () => {
    const admin = await createAdmin(t);
    const reversed = await t.http
      .get('/api/transactions')
      .query({ from: '2025-03-01T00:00:00Z', to: '2025-02-01T00:00:00Z' })
      .set(admin.auth);
    expect(reversed.status).toBe(400);
    expect(reversed.body.error.details).toEqual([{ path: 'query.to', message: 'Must not be before from' }]);
    await t.http.get('/api/transactions').query({ from: '2025-03-01T00:00:00Z', to: '2025-03-01T00:00:00Z' }).set(admin.auth).expect(200);
  });
});
