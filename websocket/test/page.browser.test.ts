import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createUser } from '../../bank-core/test/support/factories';
import { startTestApp, type TestApp } from '../../bank-core/test/support/test-app';
import { eventually } from '../../bank-core/test/support/eventually';
import { startService, type TestService } from './support/ws-service';

// The page in headless Chromium (Debian's, never a downloaded browser) against the real bank-core and
// the real websocket service on loopback ports.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let core: TestApp;
let coreServer: Server;
let service: TestService;
let browser: Browser;
const browserProblems: string[] = [];

/** A port that was free a moment ago: the page's origin must be known before bank-core's CORS list is. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  const pagePort = await freePort();
  core = await startTestApp({ CORS_ORIGINS: `http://127.0.0.1:${pagePort}` });
  coreServer = core.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => coreServer.once('listening', resolve));
  const coreUrl = `http://127.0.0.1:${(coreServer.address() as AddressInfo).port}`;
  service = await startService({
    APP_PORT_2: String(pagePort),
    BANK_CORE_URL: coreUrl,
    WS_FEED_ENABLED: 'true',
    WS_FEED_RETRY_MAX_MS: '200',
    // Room for the first test's two short messages, not for a third of 2,000 characters.
    WS_ACTIVITY_QUOTA_BYTES_PER_MINUTE: '2500',
  });
  await eventually(() => (service.running.feed?.status().connected ? true : undefined));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  core.services.feed.close();
  coreServer.closeAllConnections();
  await new Promise((resolve) => coreServer.close(resolve));
  await core.close();
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  // A CSP violation or a script error would show up here even when the page still looks right.
  page.on('console', (message) => message.type() === 'error' && browserProblems.push(message.text()));
  page.on('pageerror', (error) => browserProblems.push(error.message));
  await page.goto(service.running.url);
  return page;
}

const balanceText = (page: Page) => page.locator('#accounts .balance').first();

describe('the page', () => {
  it('signs up, connects, sends an interaction and an error, and shows balances change live as money moves', async () => {
    const page = await openPage();
    const email = `page-${Date.now()}@example.com`;

    // Sign up with the keyboard alone: the tabs answer the arrow keys.
    await page.locator('#tab-login').focus();
    await page.keyboard.press('ArrowRight');
    await page.getByLabel('Name').fill('Page Tester');
    await page.locator('#signup-form').getByLabel('Email').fill(email);
    await page.locator('#signup-form').getByLabel('Password').fill('correct horse battery');
    await page.keyboard.press('Enter');
    await page.locator('#connection', { hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await expect(balanceText(page).textContent()).resolves.toBe('NGN 0.00');
    const me = (await core.http.post('/api/users/login').send({ email, password: 'correct horse battery' })).body;
    const userId = core.services.accessTokens.verify(me.token).userId;

    await page.getByLabel('Message').fill('Hello from the browser');
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.getByText('✓ delivered').first().waitFor();
    await page.getByLabel('Send as error').check();
    await page.getByLabel('Message').fill('Something broke');
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.getByText('✓ delivered').nth(1).waitFor();
    await page.getByLabel('Send as error').uncheck();
    await page.getByLabel('Message').fill('q'.repeat(2_000));
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.getByText('✗ not delivered').waitFor();
    await eventually(() =>
      service.lines('interactions').find((line) => line.userId === userId && JSON.stringify(line.data).includes('Hello from the browser')),
    );
    await eventually(() =>
      service.lines('errors').find((line) => line.userId === userId && JSON.stringify(line.data).includes('Something broke')),
    );

    // Money in through the page's own form.
    await page.locator('#deposit-form').getByLabel('Amount').fill('150.50');
    await page.getByRole('button', { name: 'Deposit' }).click();
    await page.locator('#accounts .balance', { hasText: 'NGN 150.50' }).waitFor();

    // Money arriving from someone else, through bank-core's API: the page learns of it only by the socket.
    const bob = await createUser(core, { name: 'Bob Sender' });
    await core.http.post('/api/transactions/deposit').set(bob.auth).send({ accountId: bob.account.id, amount: 10_000 }).expect(201);
    const myAccountNumber = (await page.locator('#accounts li span').first().textContent())!.split(' ')[0]!;
    await core.http
      .post('/api/transactions/send')
      .set(bob.auth)
      .send({ fromAccountId: bob.account.id, toAccountNumber: myAccountNumber, amount: 2_500, narration: 'Lunch money' })
      .expect(201);
    await page.locator('#accounts .balance', { hasText: 'NGN 175.50' }).waitFor({ timeout: 2_000 });
    await page.locator('[data-testid="account-event"]', { hasText: 'from Bob Sender' }).waitFor();

    // And out again through the page: the send form, then the live panel shows the debit.
    await page.locator('#send-form').getByLabel('To account number').fill(bob.account.accountNumber);
    await page.locator('#send-form').getByLabel('Amount').fill('0.50');
    await page.getByRole('button', { name: 'Send money' }).click();
    await page.locator('#accounts .balance', { hasText: 'NGN 175.00' }).waitFor();
    await page.locator('[data-testid="account-event"]', { hasText: 'to Bob Sender' }).waitFor();

    expect(browserProblems).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a clear message when the login is wrong', async () => {
    const page = await openPage();
    await page.locator('#login-form').getByLabel('Email').fill('nobody@example.com');
    await page.locator('#login-form').getByLabel('Password').fill('wrong password');
    await page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
    await page.locator('#notice', { hasText: /invalid/i }).waitFor();
    await expect(page.locator('#app-panels').isHidden()).resolves.toBe(true);
    await page.close();
  }, 30_000);
});
