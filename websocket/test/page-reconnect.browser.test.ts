import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { deposit } from '../../bank-core/test/support/money';
import { DESKTOP, signUp, useStack } from './support/browser';

// The page after its socket was away (whatever was pushed meanwhile is lost, so it reads bank-core again),
// and while nobody is signed in (it does not ask for a session that cannot exist).
const stack = useStack();
const balanceOf = (page: Page) => page.getByLabel(/^Balance of Main account /);

describe('the web bank after the websocket service restarts', () => {
  let page: Page;
  afterEach(async () => {
    await page?.context().close();
  });

  it('shows the balance and history bank-core has once it is Live again, including a deposit made while it was away', async () => {
    page = await stack.open(DESKTOP);
    const email = `rita-${randomUUID()}@example.com`;
    await signUp(page, { name: 'Rita Restart', email, password: 'correct horse battery' });
    await expect(balanceOf(page).textContent()).resolves.toBe('₦0.00');
    const accountId = (await page.locator('li.account').first().getAttribute('data-account-id'))!;
    const login = await stack.core.http.post('/api/users/login').send({ email, password: 'correct horse battery' });

    // The deposit is made straight through bank-core while the service is down; the new service has no
    // feed, so no event can ever bring it to the page: only reading bank-core again can.
    await stack.restartService(
      async () => {
        await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
        await deposit(stack.core, { auth: { Authorization: `Bearer ${login.body.token}` } } as never, 4_200, accountId);
      },
      { WS_FEED_ENABLED: 'false' },
    );
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
    await balanceOf(page).filter({ hasText: '₦42.00' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'History' }).click();
    await page.getByTestId('history-entry').filter({ hasText: '₦42.00' }).first().waitFor();
    // Chromium logs each refused reconnection attempt; those are the point of this test.
    stack.problems.splice(0, stack.problems.length, ...stack.problems.filter((p) => !/WebSocket connection to/.test(p)));
  }, 60_000);
});

describe('the web bank while signed out', () => {
  it('asks bank-core for a session refresh only while one may exist: not on visits after a sign-out', async () => {
    const page = await stack.open(DESKTOP);
    const refreshes: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/users/refresh')) refreshes.push(request.url());
    });
    const email = `sam-${randomUUID()}@example.com`;
    await signUp(page, { name: 'Sam Signout', email, password: 'correct horse battery' });
    refreshes.length = 0; // a first visit ever has no hint yet, and asks once
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect(refreshes).toHaveLength(1); // signed in: the reload restores the session through the cookie

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    refreshes.length = 0;
    await page.reload();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    expect(refreshes).toEqual([]);
    await page.context().close();
  }, 60_000);
});
