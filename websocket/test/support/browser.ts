import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually } from '../../../bank-core/test/support/eventually';
import { startTestApp, type TestApp } from '../../../bank-core/test/support/test-app';
import { ensureWebBuilt } from './web-build';
import { startService, type TestService } from './ws-service';

// Debian's Chromium, never a downloaded browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(path.join(path.dirname(require.resolve('axe-core/package.json')), 'axe.min.js'), 'utf8');

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };
export type Viewport = typeof PHONE;

export interface Stack {
  core: TestApp;
  service: TestService;
  browser: Browser;
  /** Script errors, CSP violations and console errors of every page opened; a test ends by expecting none. */
  problems: string[];
  /** A page in a fresh browser context (its own cookies), on the web bank. */
  open(viewport: Viewport): Promise<Page>;
  /**
   * Stops the websocket service; `whileDown` runs; then a new one starts on the same port with `env` on top
   * (open pages reconnect to it). `service` is the new one afterwards.
   */
  restartService(whileDown: () => Promise<void>, env?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One real bank-core, one real websocket service (serving the built page and forwarding /api to
 * bank-core) and one Chromium for a whole test file.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  await ensureWebBuilt();
  const core = await startTestApp();
  const coreServer: Server = core.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => coreServer.once('listening', resolve));
  const serviceEnv = {
    BANK_CORE_URL: `http://127.0.0.1:${(coreServer.address() as AddressInfo).port}`,
    WS_FEED_ENABLED: 'true',
    WS_FEED_RETRY_MAX_MS: '200',
    ...env,
  };
  let service = await startService(serviceEnv);
  await eventually(() => (service.running.feed?.status().connected ? true : undefined), 10_000);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const problems: string[] = [];

  return {
    core,
    get service() {
      return service;
    },
    browser,
    problems,
    async restartService(whileDown, more = {}) {
      const port = new URL(service.running.url).port;
      await service.stop();
      await whileDown();
      service = await startService({ ...serviceEnv, ...more, APP_PORT_2: port });
    },
    async open(viewport) {
      const context = await browser.newContext({
        viewport,
        locale: 'en-GB',
        timezoneId: 'Africa/Lagos',
        permissions: ['clipboard-read', 'clipboard-write'],
        acceptDownloads: true,
      });
      const page = await context.newPage();
      page.on('console', (message) => {
        // A refused request is logged by Chromium as a console error; the tests cause those on purpose.
        if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(service.running.url);
      return page;
    },
    async stop() {
      await browser.close();
      await service.stop();
      core.services.feed.close();
      coreServer.closeAllConnections();
      await new Promise((resolve) => coreServer.close(resolve));
      await core.close();
    },
  };
}

/** axe-core's serious and critical violations on the page as it is now (axe is evaluated in the page, not loaded by it). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, so it runs with the page's globals (this file is compiled without the DOM library).
  const violations = await page.evaluate<
    { id: string; impact: string; targets: string[] }[]
  >(`axe.run(document).then((result) => result.violations.map((v) => ({
    id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')),
  })))`);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}

/** Saves a screenshot when SCREENSHOT_DIR is set (to look at the page, or to refresh docs/screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Signs up through the page and waits until the socket is live. */
export async function signUp(page: Page, { name, email, password }: { name: string; email: string; password: string }) {
  await page.getByRole('tab', { name: 'Sign up' }).click();
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
}

export async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
}

/** Waits until `probe` resolves true (the page settles by itself: sockets, renders), or fails after `timeoutMs`. */
export async function until(probe: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${probe.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A stack for the whole test file: started before the first test, stopped after the last; each test
 * ends by expecting no script error, CSP violation or console error on any page.
 */
export function useStack(env: Record<string, string> = {}): Stack {
  let started: Stack | undefined;
  beforeAll(async () => {
    started = await startStack(env);
  }, 120_000);
  afterAll(() => started?.stop());
  afterEach(() => {
    expect(started?.problems.splice(0)).toEqual([]);
  });
  const get = () => {
    if (!started) throw new Error('the stack has not started');
    return started;
  };
  return {
    get core() {
      return get().core;
    },
    get service() {
      return get().service;
    },
    get browser() {
      return get().browser;
    },
    get problems() {
      return get().problems;
    },
    open: (viewport) => get().open(viewport),
    restartService: (whileDown, more) => get().restartService(whileDown, more),
    stop: () => get().stop(),
  };
}
