import { eventually } from '../../bank-core/test/support/eventually';
import { metricFamilies, valueOf } from '../../bank-core/test/support/metrics-text';
import { startFakeBankCore, type FakeBankCore } from './support/fake-bank-core';
import { mintToken } from './support/tokens';
import { authedClient, openClient } from './support/ws-client';
import { startService, type TestService } from './support/ws-service';

let bank: FakeBankCore;
let service: TestService;
beforeAll(async () => {
  bank = await startFakeBankCore();
  service = await startService({ BANK_CORE_URL: bank.url });
});
afterAll(async () => {
  await service.stop();
  await bank.close();
});

const scrape = async () => (await service.http.get('/metrics').expect(200)).text;
const openSockets = async () => valueOf(await scrape(), 'websocket_open_sockets');
/** Waits until the gauge reads `count` (a close reaches the server a moment after the client's). */
const openSocketsReach = (count: number) => eventually(async () => ((await openSockets()) === count ? count : undefined));

describe('/metrics of the websocket service', () => {
  it('answers without a token, in the Prometheus text format, with its own figures (not bank-core’s)', async () => {
    const res = await service.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = metricFamilies(res.text);
    expect(families).toContain('websocket_open_sockets');
    expect(families).toContain('process_cpu_seconds_total');
    expect([...families].filter((name) => name.startsWith('bank_') || name.startsWith('http_'))).toEqual([]);
  });

  it('websocket_open_sockets counts the authenticated sockets, rising as they sign in and falling as they close', async () => {
    expect(await openSockets()).toBe(0);
    const first = await authedClient(service.wsUrl, mintToken().token);
    const second = await authedClient(service.wsUrl, mintToken().token);
    const waiting = await openClient(service.wsUrl);
    expect(await openSockets()).toBe(2);

    await first.close();
    expect(await openSocketsReach(1)).toBe(1);
    await second.close();
    await waiting.close();
    expect(await openSocketsReach(0)).toBe(0);
  });
});
