import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { eventually } from '../../bank-core/test/support/eventually';
import { createAdmin, createUser, type TestUser } from '../../bank-core/test/support/factories';
import { deposit, transfer } from '../../bank-core/test/support/money';
import { pdfLines } from '../../bank-core/test/support/pdf-text';
import { setUserRole } from '../../bank-core/src/repositories/user.repository';
import { DESKTOP, PHONE, accessibilityProblems, screenshot, signIn, useStack, type Viewport } from './support/browser';

// Support chat, the staff console and statements in Chromium, against the real bank-core and websocket service.
const stack = useStack();

const go = (page: Page, screen: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: screen }).click();
const pages: Page[] = [];
const open = async (viewport: Viewport, user: TestUser) => {
  const page = await stack.open(viewport);
  pages.push(page);
  await signIn(page, user.email, user.password);
  return page;
};
afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.context().close()));
});

/** The API's history of an account, oldest first. */
async function historyOf(user: TestUser) {
  const res = await stack.core.http.get(`/api/transactions/history/${user.account.id}?limit=100`).set(user.auth).expect(200);
  return (res.body.items as { reference: string; amount: number; balanceAfter: number }[]).reverse();
}

describe.each([
  ['phone', PHONE],
  ['desktop', DESKTOP],
])('staff and support at %s size', (size: string, viewport: Viewport) => {
  it('carries a support chat between a customer and staff, acknowledged, logged, and back after a reload', async () => {
    const name = `Chiamaka ${size}`;
    const customer = await createUser(stack.core, { name });
    const admin = await createAdmin(stack.core);
    const phone = await open(viewport, customer);
    const desk = await open(viewport, admin);

    await go(phone, 'Support chat');
    await phone.getByLabel('Message').fill('My card was declined at the shop');
    await phone.getByRole('button', { name: 'Send message' }).click();
    await phone.getByRole('log', { name: 'Conversation with support' }).getByText('Delivered').waitFor();

    await go(desk, 'Staff console');
    const queue = desk.getByRole('list', { name: 'Waiting conversations' });
    const entry = queue.getByRole('listitem').filter({ hasText: name });
    await entry.getByText('My card was declined at the shop').waitFor();
    await entry.getByRole('button', { name: `Take chat with ${name}` }).click();
    const conversation = desk.getByRole('log', { name: `Conversation with ${name}` });
    await conversation.getByText('My card was declined at the shop').waitFor();
    await phone.getByText('You are chatting with support.').waitFor();
    await desk.getByLabel('Reply').fill('Sorry about that; let me check your account.');
    await desk.getByRole('button', { name: 'Send reply' }).click();

    const log = phone.getByRole('log', { name: 'Conversation with support' });
    await log.getByRole('listitem').filter({ hasText: 'Support' }).filter({ hasText: 'let me check your account' }).waitFor();
    await screenshot(phone, `${size}-chat-customer`);
    await screenshot(desk, `${size}-chat-staff`);
    expect(await accessibilityProblems(phone)).toEqual([]);
    expect(await accessibilityProblems(desk)).toEqual([]);

    await phone.reload();
    await phone.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await go(phone, 'Support chat');
    await log.getByText('let me check your account').waitFor();
    await log.getByText('My card was declined at the shop').waitFor();
    const lines = await eventually(() => {
      const found = stack.service.lines('interactions').filter((line) => line.userId === customer.id && line.type === 'chat.message');
      return found.length === 2 ? found : undefined;
    });
    expect(lines.map((line) => (line.data as { from: string }).from)).toEqual(['customer', 'staff']);
  }, 60_000);

  it('lets staff find a customer, see accounts and history, read their interactions and errors, and reverse a transaction with a reason', async () => {
    const customer = await createUser(stack.core, { name: 'Dayo Disputed' });
    const merchant = await createUser(stack.core, { name: 'Wrong Merchant' });
    const admin = await createAdmin(stack.core);
    await deposit(stack.core, customer, 100_000);
    const mistaken = (await transfer(stack.core, customer, merchant, 40_000, 'Oops')).body;

    // The customer meets an error on the page: it is reported with bank-core's request id.
    const phone = await open(viewport, customer);
    await go(phone, 'Move money');
    await phone.getByRole('group', { name: 'What to do' }).getByRole('button', { name: 'Withdraw' }).click();
    const form = phone.getByRole('form', { name: 'Withdraw' });
    await form.getByLabel('Amount').fill('5000');
    await form.getByRole('button', { name: 'Withdraw' }).click();
    const shown = (await phone.getByRole('alert').filter({ hasText: 'Insufficient funds' }).textContent())!;
    const requestId = /Reference for support: (\S+)/.exec(shown)![1]!;
    await eventually(() => stack.service.lines('errors').find((line) => line.requestId === requestId));

    const desk = await open(viewport, admin);
    await go(desk, 'Staff console');
    await desk.getByLabel('Email or account number').fill(customer.account.accountNumber);
    await desk.getByRole('button', { name: 'Find' }).click();
    await desk.getByRole('heading', { name: /Dayo Disputed/ }).waitFor();
    const accounts = desk.getByRole('table', { name: 'Accounts of Dayo Disputed' });
    await accounts.getByRole('cell', { name: '₦600.00' }).waitFor();

    const show = desk.getByRole('group', { name: 'Show' });
    await show.getByRole('button', { name: 'Errors' }).click();
    await desk.getByRole('list', { name: 'Errors' }).getByText(requestId).first().waitFor();
    await show.getByRole('button', { name: 'Interactions' }).click();
    await desk.getByRole('list', { name: 'Interactions' }).getByText('"action":"signed-in"').waitFor();
    await show.getByRole('button', { name: 'History' }).click();

    await desk.getByRole('button', { name: `Reverse ${mistaken.reference}` }).click();
    const dialog = desk.getByRole('dialog', { name: `Reverse ${mistaken.reference}?` });
    await dialog.getByLabel('Reason').fill('Paid the wrong merchant; customer called');
    await screenshot(desk, `${size}-console-reverse`);
    expect(await accessibilityProblems(desk)).toEqual([]);
    await dialog.getByRole('button', { name: 'Confirm reversal' }).click();
    await desk.getByText(new RegExp(`Reversed ${mistaken.reference}: reversal TX`)).waitFor();
    await accounts.getByRole('cell', { name: '₦1,000.00' }).waitFor();
    await desk.getByText(`Reversal of ${mistaken.reference}: Paid the wrong merchant; customer called`).waitFor();
    // A reversed transaction offers no second reversal.
    await desk.getByRole('button', { name: `Reverse ${mistaken.reference}` }).waitFor({ state: 'detached' });
    await desk.locator('li', { hasText: mistaken.reference }).getByText('Reversed', { exact: true }).first().waitFor();
    await screenshot(desk, `${size}-console`);

    // The customer's page hears of it live.
    await phone.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
    await phone
      .getByLabel(/^Balance of Main account/)
      .filter({ hasText: '₦1,000.00' })
      .waitFor();
    const original = await stack.core.http.get(`/api/transactions/${mistaken.id}`).set(customer.auth);
    expect(original.body.reversedBy).toEqual(expect.any(String));

    // The admin role is revoked: the next staff call is refused, and the page drops the Staff console tab.
    await setUserRole(stack.core.db, admin.email, 'customer');
    await desk.getByRole('button', { name: 'Find' }).click();
    await desk.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Staff console' }).waitFor({ state: 'detached' });
  }, 60_000);

  it("downloads CSV and PDF statements whose figures equal the API's history", async () => {
    const customer = await createUser(stack.core, { name: 'Stella Statement' });
    const friend = await createUser(stack.core, { name: 'Femi Friend' });
    await deposit(stack.core, customer, 250_000);
    await transfer(stack.core, customer, friend, 12_345, 'Books');
    await transfer(stack.core, friend, customer, 55, 'Change');
    const phone = await open(viewport, customer);
    await go(phone, 'Statements');
    expect(await accessibilityProblems(phone)).toEqual([]);

    const csvDownload = phone.waitForEvent('download');
    await phone.getByRole('button', { name: 'Download CSV' }).click();
    const csvFile = await csvDownload;
    expect(csvFile.suggestedFilename()).toBe(`statement-${customer.account.id}.csv`);
    const rows = readFileSync(await csvFile.path(), 'utf8')
      .trim()
      .split('\r\n');
    await phone.getByText(`Downloaded statement-${customer.account.id}.csv`).waitFor();

    const pdfDownload = phone.waitForEvent('download');
    await phone.getByRole('button', { name: 'Download PDF' }).click();
    const pdf = pdfLines(readFileSync(await (await pdfDownload).path()));

    const history = await historyOf(customer);
    expect(history).toHaveLength(3);
    const entries = rows.slice(2, -1).map((row) => row.split(','));
    expect(entries.map((cells) => [cells[1], Number(cells.at(-2)), Number(cells.at(-1))])).toEqual(
      history.map((entry) => [entry.reference, entry.amount, entry.balanceAfter]),
    );
    expect(entries.map((cells) => [cells[6], cells[8]])).toEqual([
      ['2500.00', '2500.00'],
      ['-123.45', '2376.55'],
      ['0.55', '2377.10'],
    ]);
    const pdfRows = pdf.filter((line) => /TX[0-9A-Z]{16}/.test(line));
    expect(pdfRows.map((line) => /(-?NGN [\d,]+\.\d\d)(?: \| | )(NGN [\d,]+\.\d\d)$/.exec(line)?.slice(1))).toEqual([
      ['NGN 2,500.00', 'NGN 2,500.00'],
      ['-NGN 123.45', 'NGN 2,376.55'],
      ['NGN 0.55', 'NGN 2,377.10'],
    ]);
    history.forEach((entry, i) => expect(pdfRows[i]).toContain(entry.reference));
    await eventually(() => stack.service.lines('interactions').find((line) => JSON.stringify(line.data).includes('downloaded-statement')));
  }, 60_000);
});
