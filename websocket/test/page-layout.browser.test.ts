import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { createAdmin } from '../../bank-core/test/support/factories';
import { DESKTOP, PHONE, signIn, signUp, useStack, type Viewport } from './support/browser';

// Long unbroken user text must wrap, never widen the page; every tab must be reachable at phone width.
const stack = useStack();
const go = (page: Page, screen: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: screen }).click();
/** How much wider than the window the page is (0 when nothing scrolls sideways). */
const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

describe.each([
  ['phone', PHONE],
  ['desktop', DESKTOP],
])('the web bank at %s size', (_size: string, viewport: Viewport) => {
  let page: Page;
  afterEach(async () => {
    await page?.context().close();
  });

  it('wraps a 100-character name, a 140-character narration and a 2,000-character chat line within the window, and shows every tab', async () => {
    page = await stack.open(viewport);
    const email = `long-${randomUUID()}@example.com`;
    await signUp(page, { name: 'W'.repeat(100), email, password: 'correct horse battery' });
    const login = await stack.core.http.post('/api/users/login').send({ email, password: 'correct horse battery' });
    const accountId = (await page.locator('li.account').first().getAttribute('data-account-id'))!;
    await stack.core.http
      .post('/api/transactions/deposit')
      .set({ Authorization: `Bearer ${login.body.token}`, 'Idempotency-Key': randomUUID() })
      .send({ accountId, amount: 1_000, narration: 'N'.repeat(140) })
      .expect(201);

    // Every tab is inside the window, none scrolled out of sight.
    const tabs = page.getByRole('navigation', { name: 'Main' }).getByRole('button');
    for (const tab of await tabs.all()) {
      const box = (await tab.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    }
    await expect(overflow(page)).resolves.toBe(0);

    await go(page, 'History');
    await page.getByTestId('history-entry').filter({ hasText: 'NNNN' }).first().waitFor();
    await expect(overflow(page)).resolves.toBe(0);

    await go(page, 'Support chat');
    await page.getByLabel('Message').fill('L'.repeat(2_000));
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.getByRole('log', { name: 'Conversation with support' }).getByText('Delivered').waitFor();
    await expect(overflow(page)).resolves.toBe(0);

    await go(page, 'Profile');
    await expect(overflow(page)).resolves.toBe(0);

    // Staff see the same text in the console: the customer's name, the narration, the chat line.
    const admin = await createAdmin(stack.core);
    const desk = await stack.open(viewport);
    await signIn(desk, admin.email, admin.password);
    await go(desk, 'Staff console');
    await desk.getByLabel('Email or account number').fill(email);
    await desk.getByRole('button', { name: 'Find' }).click();
    await desk.getByRole('heading', { name: /WWWW/ }).waitFor();
    await desk.getByText(/NNNN/).first().waitFor();
    await expect(overflow(desk)).resolves.toBe(0);
    await desk.context().close();
  }, 60_000);
});
