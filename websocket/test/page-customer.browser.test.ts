import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { eventually } from '../../bank-core/test/support/eventually';
import { createUser } from '../../bank-core/test/support/factories';
import { deposit } from '../../bank-core/test/support/money';
import { DESKTOP, PHONE, accessibilityProblems, screenshot, signIn, signUp, until, useStack, type Viewport } from './support/browser';

// The customer's web bank in Chromium, against the real bank-core and websocket service, at phone and desktop widths.
const stack = useStack();

const newCustomer = (name: string) => ({
  name,
  email: `${name.split(' ')[0]!.toLowerCase()}-${randomUUID()}@example.com`,
  password: 'correct horse battery',
});
const balanceOf = (page: Page, name = 'Main account') => page.getByLabel(new RegExp(`^Balance of ${name} `));
const go = (page: Page, screen: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: screen }).click();
/** Opens one of the move-money forms and answers it. */
const moveMoney = async (page: Page, what: 'Deposit' | 'Withdraw' | 'Send money') => {
  await go(page, 'Move money');
  await page.getByRole('group', { name: 'What to do' }).getByRole('button', { name: what }).click();
  return page.getByRole('form', { name: what });
};
/** The user id behind a page's session, from bank-core (for reading its lines and history through the API). */
const loginAs = async (email: string, password: string) => {
  const res = await stack.core.http.post('/api/users/login').send({ email, password });
  return { Authorization: `Bearer ${res.body.token}` };
};

describe('the built page', () => {
  it('is served with no-cache, its hashed assets cached for good, under a CSP that allows only this origin and no inline script', async () => {
    const index = await stack.service.http.get('/').expect(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    const csp = index.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    const asset = /src="(\/assets\/index-[\w-]+\.js)"/.exec(index.text)![1]!;
    expect(index.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    const script = await stack.service.http.get(asset).expect(200);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});

describe.each([
  ['phone', PHONE],
  ['desktop', DESKTOP],
])('the web bank at %s size', (size: string, viewport: Viewport) => {
  let page: Page;
  afterEach(async () => {
    await page?.context().close();
  });

  it('opens, renames and closes accounts (refusing while money is in one), copies a number, with balances at a glance', async () => {
    page = await stack.open(viewport);
    const ada = newCustomer('Ada Lovelace');
    await signUp(page, ada);
    await expect(balanceOf(page).textContent()).resolves.toBe('₦0.00');

    await page.getByLabel('Currency').selectOption('USD');
    await page.getByLabel('Account name').fill('Dollars');
    await page.getByRole('button', { name: 'Open account' }).click();
    await page.getByText(/Opened USD account \d{10}/).waitFor();
    await expect(balanceOf(page, 'Dollars').textContent()).resolves.toBe('$0.00');

    // Rename in a dialog: focus starts in it, Escape would close it, Save closes it.
    const dollars = page.locator('li.account', { hasText: 'Dollars' });
    await dollars.getByRole('button', { name: /^Rename/ }).click();
    const rename = page.getByRole('dialog', { name: /^Rename account/ });
    await expect(rename.getByLabel('New account name').evaluate((el) => el === el.ownerDocument.activeElement)).resolves.toBe(true);
    await rename.getByLabel('New account name').fill('Travel');
    await rename.getByRole('button', { name: 'Save name' }).click();
    await balanceOf(page, 'Travel').waitFor();

    // The main account holds money: closing it is refused with the bank's reason.
    const mainNumber = (await page.locator('li.account', { hasText: 'Main account' }).locator('.mono').textContent())!;
    await deposit(
      stack.core,
      { auth: await loginAs(ada.email, ada.password) } as never,
      1_000,
      (await page.locator('li.account').first().getAttribute('data-account-id'))!,
    );
    await balanceOf(page).filter({ hasText: '₦10.00' }).waitFor();
    await page
      .locator('li.account', { hasText: 'Main account' })
      .getByRole('button', { name: /^Close/ })
      .click();
    const refuse = page.getByRole('dialog', { name: /^Close account/ });
    await refuse.getByRole('button', { name: 'Close account' }).click();
    await refuse.getByRole('alert').filter({ hasText: 'Only an account with a zero balance can be closed' }).waitFor();
    await screenshot(page, `${size}-close-refused`);
    await page.keyboard.press('Escape');
    await expect(refuse.isVisible()).resolves.toBe(false);

    // The empty one closes and moves to "Closed accounts".
    await page
      .locator('li.account', { hasText: 'Travel' })
      .getByRole('button', { name: /^Close/ })
      .click();
    await page
      .getByRole('dialog', { name: /^Close account/ })
      .getByRole('button', { name: 'Close account' })
      .click();
    await page.getByText('Closed accounts (1)').waitFor();
    await expect(page.locator('li.account').count()).resolves.toBe(1);

    await page.getByRole('button', { name: `Copy account number ${mainNumber}` }).click();
    await page.getByText(`Account number ${mainNumber} copied`).waitFor({ state: 'attached' });
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(mainNumber);
    await screenshot(page, `${size}-accounts`);
    expect(await accessibilityProblems(page)).toEqual([]);
  }, 60_000);

  it('deposits and withdraws in major units, shows a refusal with its reference, and sends: name enquiry, review, one transfer for a double click, receipt', async () => {
    page = await stack.open(viewport);
    const grace = newCustomer('Grace Hopper');
    await signUp(page, grace);
    const bob = await createUser(stack.core, { name: 'Bob Payee' });

    const depositForm = await moveMoney(page, 'Deposit');
    await depositForm.getByLabel('Amount').fill('1,500.50');
    await depositForm.getByRole('button', { name: 'Deposit' }).click();
    await page.getByText(/Deposited ₦1,500\.50\. New balance ₦1,500\.50\. Reference TX/).waitFor();

    const withdrawForm = await moveMoney(page, 'Withdraw');
    await withdrawForm.getByLabel('Amount').fill('0.5');
    await withdrawForm.getByRole('button', { name: 'Withdraw' }).click();
    await page.getByText(/Withdrew ₦0\.50\. New balance ₦1,500\.00/).waitFor();
    await withdrawForm.getByLabel('Amount').fill('99999');
    await withdrawForm.getByRole('button', { name: 'Withdraw' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Insufficient funds' });
    await refusal.waitFor();
    const requestId = (await refusal.textContent())!.match(/Reference for support: (\S+)/)![1];
    // The failure is in errors.txt with bank-core's request id, so support can find the log line.
    await eventually(() => stack.service.lines('errors').find((line) => line.requestId === requestId));
    // So is an uncaught script error.
    await page.evaluate('setTimeout(() => { throw new Error("boom from a test") })');
    await eventually(() => stack.service.lines('errors').find((line) => JSON.stringify(line.data).includes('boom from a test')));
    await until(() => Promise.resolve(stack.problems.length > 0));
    expect(stack.problems.splice(0)).toEqual([expect.stringContaining('boom from a test')]);

    await moveMoney(page, 'Send money');
    await page.getByLabel('Recipient account number').fill(bob.account.accountNumber);
    await page.getByLabel('Amount').fill('250');
    await page.getByLabel('Narration (optional)').fill('Dinner');
    await page.getByRole('button', { name: 'Continue' }).click();
    const review = page.getByRole('region', { name: 'Check before you send' });
    await review.getByText('Bob Payee').waitFor();
    await expect(review.getByText('₦250.00').count()).resolves.toBe(1);
    await screenshot(page, `${size}-send-review`);
    expect(await accessibilityProblems(page)).toEqual([]);

    await review.getByRole('button', { name: 'Confirm and send' }).dblclick();
    const receipt = page.getByRole('region', { name: 'Money sent' });
    await receipt.waitFor();
    await expect(receipt.textContent()).resolves.toMatch(/ReferenceTX[0-9A-Z]{16}.*Amount₦250\.00.*ToBob Payee.*Balance after₦1,250\.00/);
    await screenshot(page, `${size}-receipt`);
    const history = await stack.core.http.get(`/api/transactions/history/${bob.account.id}`).set(bob.auth);
    expect(history.body.items).toHaveLength(1); // a double click sent once
    const download = page.waitForEvent('download');
    await receipt.getByRole('button', { name: 'Download receipt' }).click();
    expect((await download).suggestedFilename()).toMatch(/^receipt-TX[0-9A-Z]{16}\.txt$/);
    await go(page, 'Accounts');
    await balanceOf(page).filter({ hasText: '₦1,250.00' }).waitFor();
  }, 60_000);

  it("shows an account's history newest first with filters and load more, and a live credit at the top and in the chart", async () => {
    page = await stack.open(viewport);
    const lin = newCustomer('Lin Receiver');
    await signUp(page, lin);
    const auth = await loginAs(lin.email, lin.password);
    const me = { auth } as never;
    const accountId = (await page.locator('li.account').first().getAttribute('data-account-id'))!;
    const number = (await page.locator('li.account .mono').first().textContent())!;
    for (let i = 1; i <= 22; i += 1) await deposit(stack.core, me, i * 100, accountId);
    await balanceOf(page).filter({ hasText: '₦253.00' }).waitFor();

    await go(page, 'History');
    const entries = page.getByTestId('history-entry');
    await expect(entries.first().textContent()).resolves.toMatch(/Deposit\+₦22\.00.*₦253\.00$/);
    await expect(entries.count()).resolves.toBe(20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await until(async () => (await entries.count()) === 22);
    await expect(entries.last().textContent()).resolves.toMatch(/\+₦1\.00.*₦1\.00$/);

    // Someone else pays in: the page learns of it by the socket alone.
    const payer = await createUser(stack.core, { name: 'Pat Payer' });
    await deposit(stack.core, payer, 50_000);
    await stack.core.http
      .post('/api/transactions/send')
      .set(payer.auth)
      .send({ fromAccountId: payer.account.id, toAccountNumber: number, amount: 12_345, narration: 'Rent share' })
      .expect(201);
    await entries.first().filter({ hasText: 'From Pat Payer' }).waitFor({ timeout: 5_000 });
    await expect(entries.first().textContent()).resolves.toMatch(/Rent share\+₦123\.45.*₦376\.45$/);
    await page.getByText(/^Balance over time: ₦376\.45 on /).waitFor();
    await expect(page.getByRole('table', { name: 'Balance over time' }).locator('tr').last().textContent()).resolves.toMatch(/₦376\.45$/);
    await screenshot(page, `${size}-history`);
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByLabel('Type').selectOption('transfer');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(async () => (await entries.count()) === 1);
    await expect(entries.first().textContent()).resolves.toContain('From Pat Payer');
    const today = await page.evaluate(() => new Date().toISOString().slice(0, 10));
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('From date').fill('2020-01-01');
    await page.getByLabel('To date').fill('2020-12-31');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Nothing here for these filters.').waitFor();
    await page.getByLabel('To date').fill(today);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(async () => (await entries.count()) === 20);
  }, 60_000);

  it('keeps the session over a reload; after sign-out the next customer in the same tab sees nothing of the first', async () => {
    page = await stack.open(viewport);
    const first = newCustomer('Fiona First');
    await signUp(page, first);
    const firstNumber = (await page.locator('li.account .mono').first().textContent())!;
    await go(page, 'Support chat');
    await page.getByLabel('Message').fill('A private question from Fiona');
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.getByText('Delivered').waitFor();

    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await page.getByText('Signed in as').filter({ hasText: 'Fiona First' }).waitFor();
    await go(page, 'Support chat');
    await page.getByText('A private question from Fiona').waitFor(); // the conversation came back
    // The refresh token is not readable by scripts.
    await expect(page.evaluate('document.cookie')).resolves.toBe('');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(page.getByLabel('Email').inputValue()).resolves.toBe('');
    await expect(page.getByLabel('Password').inputValue()).resolves.toBe('');

    const second = await createUser(stack.core, { name: 'Sam Second' });
    await signIn(page, second.email, second.password);
    await expect(balanceOf(page).textContent()).resolves.toBe('₦0.00');
    const text = (await page.locator('body').textContent())!;
    expect(text).not.toContain('Fiona');
    expect(text).not.toContain(firstNumber);
    const depositForm = await moveMoney(page, 'Deposit');
    await expect(depositForm.getByLabel('Into account').inputValue()).resolves.toBe(second.account.id);
    await depositForm.getByLabel('Amount').fill('5');
    await depositForm.getByRole('button', { name: 'Deposit' }).click();
    await page.getByText(/Deposited ₦5\.00/).waitFor();
    await go(page, 'Support chat');
    await page.getByText('Write to us and someone from support will answer.').waitFor();
    expect(await page.locator('body').textContent()).not.toContain('A private question');

    // After sign-out the old session is over on the server too: a reload shows the sign-in screen.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  }, 60_000);

  it('changes the name, the email (asking for the password) and the password, then signs in with the new one', async () => {
    page = await stack.open(viewport);
    const kim = newCustomer('Kim Profile');
    await signUp(page, kim);
    await go(page, 'Profile');
    await page.getByLabel('Full name').fill('Kim Renamed');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByText('Signed in as').filter({ hasText: 'Kim Renamed' }).waitFor();

    const newEmail = `kim-new-${randomUUID()}@example.com`;
    await page.getByLabel('Email', { exact: true }).fill(newEmail);
    await page.getByLabel('Current password (to change the email)').fill('wrong password');
    await page.getByRole('button', { name: 'Save email' }).click();
    await page.getByRole('alert').filter({ hasText: 'Current password is incorrect' }).waitFor();
    await page.getByLabel('Current password (to change the email)').fill(kim.password);
    await page.getByRole('button', { name: 'Save email' }).click();
    await page.getByText('Email saved.').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByLabel('Current password', { exact: true }).fill(kim.password);
    await page.getByLabel('New password', { exact: true }).fill('a much better password');
    await page.getByLabel('New password again').fill('a much better password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password was changed. Please sign in with the new one.').waitFor();
    await signIn(page, newEmail, 'a much better password');
    await page.getByText('Signed in as').filter({ hasText: 'Kim Renamed' }).waitFor();
  }, 60_000);
});
