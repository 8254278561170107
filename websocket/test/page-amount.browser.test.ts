import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { signUp, useStack } from './support/browser';

// Typed amounts in Chromium, read by the browser's locale, shown as read before anything is posted.
const stack = useStack();
const balance = (page: Page) => page.getByLabel(/^Balance of Main account /);

async function openAs(locale: string): Promise<Page> {
  const context = await stack.browser.newContext({ locale, timezoneId: 'Africa/Lagos', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => stack.problems.push(error.message));
  await page.goto(stack.service.running.url);
  await signUp(page, { name: 'Amara Amount', email: `amara-${randomUUID()}@example.com`, password: 'correct horse battery' });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Move money' }).click();
  await page.getByRole('group', { name: 'What to do' }).getByRole('button', { name: 'Deposit' }).click();
  return page;
}

describe('typing an amount', () => {
  it('in en-GB refuses the ambiguous "1,23" before posting, and deposits "1,234.5" as ₦1,234.50 named on the button', async () => {
    const page = await openAs('en-GB');
    const form = page.getByRole('form', { name: 'Deposit' });
    await form.getByLabel('Amount').fill('1,23');
    await form.getByTestId('amount-read').filter({ hasText: 'Enter an amount like 100.55 or 1,234.55' }).waitFor();
    await form.getByRole('button', { name: 'Deposit', exact: true }).click();
    await form.getByRole('alert').filter({ hasText: 'Enter an amount like' }).waitFor();

    await form.getByLabel('Amount').fill('1,234.5');
    await form.getByTestId('amount-read').filter({ hasText: 'Amount: ₦1,234.50' }).waitFor();
    await form.getByRole('button', { name: 'Deposit ₦1,234.50' }).click();
    await form.getByText(/Deposited ₦1,234\.50/).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
    await expect(balance(page).textContent()).resolves.toBe('₦1,234.50');
    await page.context().close();
  }, 60_000);

  it('in de-DE reads "1,23" as 1,23 ₦, and names the bank limit in money when an amount is over it', async () => {
    const page = await openAs('de-DE');
    const form = page.getByRole('form', { name: 'Deposit' });
    await form.getByLabel('Amount').fill('1,23');
    await form.getByRole('button', { name: 'Deposit 1,23 ₦' }).click();
    await form.getByText(/Deposited 1,23\s₦/).waitFor();

    await form.getByLabel('Amount').fill('100.000.001');
    await form.getByRole('button', { name: /^Deposit / }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: /At most 100\.000\.000,00\s₦ per transaction/ })
      .waitFor();
    await page.context().close();
  }, 60_000);
});
