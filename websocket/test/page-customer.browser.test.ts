import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE, accessibilityProblems, screenshot, signUp, startStack, type Stack, type Viewport } from './support/browser';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(() => stack?.stop());

const newCustomer = (name: string) => ({
  name,
  email: `${name.split(' ')[0]!.toLowerCase()}-${randomUUID()}@example.com`,
  password: 'correct horse battery',
});

describe.each([
  ['phone', PHONE],
  ['desktop', DESKTOP],
])('the web bank at %s size', (size: string, viewport: Viewport) => {
  let page: Page;
  afterEach(async () => {
    await page?.context().close();
  });

  it('signs a new customer up and shows the first account at a glance', async () => {
    page = await stack.open(viewport);
    await signUp(page, newCustomer('Ada Lovelace'));
    await page.getByRole('heading', { name: 'Your accounts' }).waitFor();
    await expect(page.getByLabel(/^Balance of Main account/).textContent()).resolves.toBe('₦0.00');
    await screenshot(page, `${size}-accounts`);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(stack.problems).toEqual([]);
  }, 60_000);
});
