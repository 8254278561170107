import { createUser } from '../../bank-core/test/support/factories';
import { DESKTOP, PHONE, accessibilityProblems, screenshot, signIn, useStack } from './support/browser';

// A short idle timeout (WEB_IDLE_TIMEOUT_MS) for this file only: warned after 1.5 s of quiet, signed out after 4 s.
const stack = useStack({ WEB_IDLE_TIMEOUT_MS: '4000', WEB_IDLE_WARNING_MS: '2500' });

describe.each([
  ['phone', PHONE],
  ['desktop', DESKTOP],
])('a quiet page at %s size', (size, viewport) => {
  it('warns first in a focused dialog, stays signed in on request, then signs out and clears the page', async () => {
    const user = await createUser(stack.core, { name: `Idle ${size}` });
    const page = await stack.open(viewport);
    await signIn(page, user.email, user.password);

    const warning = page.getByRole('dialog', { name: 'Are you still there?' });
    await warning.waitFor({ timeout: 5_000 });
    await expect(
      warning.getByRole('button', { name: 'Stay signed in' }).evaluate((el) => el === el.ownerDocument.activeElement),
    ).resolves.toBe(true);
    await screenshot(page, `${size}-idle-warning`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.keyboard.press('Enter'); // the focused "Stay signed in"
    await warning.waitFor({ state: 'hidden' });
    await page.getByText('Signed in as').waitFor();

    await warning.waitFor({ timeout: 5_000 });
    await page.getByText('You were signed out after a while without activity.').waitFor({ timeout: 5_000 });
    expect(await page.locator('body').textContent()).not.toContain(`Idle ${size}`);
    // The session is over on the server too.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.context().close();
  }, 30_000);
});
