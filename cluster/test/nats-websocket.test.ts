import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createLogger } from '@bank/common';
import { createBenchDatabase, type BenchDatabase } from '../../bank-core/bench/bench-process';
import type { ChaosAccount } from '../../bank-core/chaos/chaos-client';
import { freePort, startServiceProcess, type ServiceProcess } from '../../bank-core/chaos/service-process';
import { eventually } from '../../bank-core/test/support/eventually';
import { loadConfig } from '../../websocket/src/config/config';
import { start, type RunningServer } from '../../websocket/src/server';
import { authedClient, type TestClient } from '../../websocket/test/support/ws-client';
import { createCustomer, intent, payAll } from '../support/customers';
import { allSequenced, eventsOfOwner } from '../support/outbox';
import { ENGINES } from '../support/engines';
import { startNatsServer, type NatsServer } from '../support/nats-server';

jest.setTimeout(180_000);

let nats: NatsServer;
let database: BenchDatabase;
let admin: pg.Client;
let core: ServiceProcess;
let dir: string;
const stream = `WS_TEST_${randomBytes(4).toString('hex')}`;
const jwtSecret = `ws-nats-test-${randomBytes(32).toString('hex')}`;

beforeAll(async () => {
  nats = await startNatsServer();
  database = await createBenchDatabase(ENGINES.postgresUrl);
  dir = mkdtempSync(path.join(os.tmpdir(), 'nats-ws-test-'));
  core = await startServiceProcess(
    {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      APP_PORT_1: String(await freePort()),
      DATA_DIR: path.join(dir, 'core'),
      DATABASE_URL: database.url,
      JWT_SECRET: jwtSecret,
      BCRYPT_COST: '4',
      LOG_CONSOLE: 'false',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      API_RATE_LIMIT_PER_MINUTE: '10000000',
      NATS_URL: nats.url,
      NATS_STREAM: stream,
    },
    { compiled: true },
  );
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

// Stopped at the end even when a test fails half-way.
const instances = new Set<RunningServer>();

afterAll(async () => {
  await Promise.all([...instances].map((running) => running.stop()));
  await core?.kill();
  await admin?.end();
  await database?.drop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A websocket instance in this process, consuming the stream as `instanceId`, its files in a folder of its own. */
async function startWebsocket(instanceId: string): Promise<RunningServer> {
  const config = loadConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    APP_PORT_2: '0',
    DATA_DIR: path.join(dir, instanceId),
    JWT_SECRET: jwtSecret,
    BANK_CORE_URL: core.url,
    NATS_URL: nats.url,
    NATS_STREAM: stream,
    WS_INSTANCE_ID: instanceId,
  });
  const logger = createLogger({ service: 'websocket', level: 'info', dir: config.logDir, console: false });
  const running = await start(config, { logger });
  instances.add(running);
  await eventually(() => (running.feed?.status().connected ? true : undefined), 15_000);
  return running;
}

/** The owner's events in feed order, once every committed event has its position (none left out for being late). */
async function eventsOf(db: pg.Client, account: ChaosAccount): Promise<string[]> {
  await eventually(async () => ((await allSequenced(db)) ? true : undefined), 10_000);
  return eventsOfOwner(db, account.userId);
}

/** Of `events`, those `client` received, in the order it received them. */
const transfersIn = (client: TestClient, events: string[]) => received(client).filter((eventId) => events.includes(eventId));

const received = (client: TestClient) =>
  client.messages.filter((message) => message.type === 'account.transaction').map((message) => message.eventId as string);

/** The interactions.txt lines an instance wrote for `account`'s events: what it handed to the owner's sockets. */
function offered(instanceId: string, account: ChaosAccount): string[] {
  const file = path.join(dir, instanceId, 'websocket', 'interactions.txt');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; userId: string; data: { eventId: string } })
    .filter((line) => line.type === 'account.transaction' && line.userId === account.userId)
    .map((line) => line.data.eventId);
}

describe('the websocket service on the JetStream link', () => {
  it('reports the link in /healthz and its lag in /metrics, and pushes a transfer to both owners', async () => {
    const ws = await startWebsocket('health');
    const [alice, bob] = await Promise.all([createCustomer(core.url, 10_000), createCustomer(core.url, 0)]);
    const [aliceTab, bobTab] = await Promise.all([authedClient(ws.wsUrl, alice.token), authedClient(ws.wsUrl, bob.token)]);
    await payAll(core.url, [intent(alice, bob, 2_500)], 1);
    // (Her deposit may also reach the socket, when it opened before the event was handed out.)
    expect(await aliceTab.next((m) => m.type === 'account.transaction' && m.amount === -2_500, 5_000)).toMatchObject({
      balanceAfter: 7_500,
    });
    expect(await bobTab.next((m) => m.type === 'account.transaction', 5_000)).toMatchObject({ amount: 2_500, balanceAfter: 2_500 });

    const health = (await (await fetch(`${ws.url}/healthz`)).json()) as { feed: Record<string, unknown> };
    expect(health.feed).toMatchObject({ connected: true, transport: 'nats', stream, consumer: 'ws-health' });
    const lag = async () => /^websocket_consumer_pending_events (\d+)$/m.exec(await (await fetch(`${ws.url}/metrics`)).text())?.[1];
    expect(await eventually(async () => ((await lag()) === '0' ? '0' : undefined))).toBe('0');
    await Promise.all([aliceTab.close(), bobTab.close()]);
    await ws.stop();
  });

  it('a restarted instance resumes its durable consumer: the events committed while it was down are handed out once, none twice', async () => {
    const id = 'restart';
    let ws = await startWebsocket(id);
    const [alice, bob] = await Promise.all([createCustomer(core.url, 100_000), createCustomer(core.url, 0)]);
    let tab = await authedClient(ws.wsUrl, alice.token);
    await payAll(
      core.url,
      [1, 2, 3, 4, 5].map((n) => intent(alice, bob, n)),
      1,
    );
    const firstRun = (await eventsOf(admin, alice)).slice(1); // the deposit may have come before the socket opened
    await eventually(() => (transfersIn(tab, firstRun).length === 5 ? true : undefined), 10_000);
    await tab.close();
    await ws.stop();

    await payAll(
      core.url,
      [6, 7, 8, 9, 10].map((n) => intent(alice, bob, n)),
      1,
    ); // while it is down
    ws = await startWebsocket(id);
    tab = await authedClient(ws.wsUrl, alice.token);
    const whileDown = (await eventsOf(admin, alice)).slice(6);
    await payAll(
      core.url,
      [11, 12, 13].map((n) => intent(alice, bob, n)),
      1,
    );
    const all = await eventsOf(admin, alice);
    expect(all).toHaveLength(14);
    const afterRestart = all.slice(11);
    // The new socket gets what committed after it opened, once each (and at most the 5 it resumed with).
    await eventually(() => (transfersIn(tab, afterRestart).length === 3 ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(transfersIn(tab, afterRestart)).toEqual(afterRestart);
    expect(received(tab).every((eventId) => [...whileDown, ...afterRestart].includes(eventId))).toBe(true);
    expect(new Set(received(tab)).size).toBe(received(tab).length);
    // The instance handed out every event exactly once over both runs: the 5 made while it was down too.
    await eventually(() => (offered(id, alice).length === 14 ? true : undefined), 10_000);
    expect(offered(id, alice)).toEqual(all);
    await tab.close();
    await ws.stop();
  });

  it('a message that is not a ledger event is logged and terminated (not delivered again), and the next event still arrives', async () => {
    const id = 'invalid';
    const ws = await startWebsocket(id);
    const [alice, bob] = await Promise.all([createCustomer(core.url, 10_000), createCustomer(core.url, 0)]);
    const tab = await authedClient(ws.wsUrl, alice.token);
    const nc = await connect({ servers: nats.url });
    await jetstream(nc).publish(
      `${stream}.transaction.posted`,
      JSON.stringify({ eventId: 'x', type: 'transaction.posted', secret: 'hunter2' }),
    );
    await payAll(core.url, [intent(alice, bob, 1_000)], 1);
    expect(await tab.next((m) => m.type === 'account.transaction' && m.amount === -1_000, 5_000)).toMatchObject({ balanceAfter: 9_000 });

    const info = await (await jetstreamManager(nc)).consumers.info(stream, `ws-${id}`);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
    await ws.stop();
    await nc.close();
    const errors = readFileSync(path.join(dir, id, 'websocket', 'logs', 'error.log'), 'utf8');
    expect(errors).toContain('nats event does not match the contract; terminated');
    expect(errors).not.toContain('hunter2');
    await tab.close();
  });

  it('a NATS restart under load: each owner socket receives every event of its owner exactly once', async () => {
    const ws = await startWebsocket('nats-restart');
    const [alice, bob] = await Promise.all([createCustomer(core.url, 1_000_000), createCustomer(core.url, 1_000_000)]);
    const [aliceTab, bobTab] = await Promise.all([authedClient(ws.wsUrl, alice.token), authedClient(ws.wsUrl, bob.token)]);
    const intents = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? intent(alice, bob, 3) : intent(bob, alice, 2)));
    const load = payAll(core.url, intents, 8);
    await eventually(() => (received(aliceTab).length > 30 ? true : undefined), 20_000);
    await nats.restart({ hard: true, downMs: 1_000 });
    await load;
    expect(intents.every((item) => item.outcome?.status === 201)).toBe(true);

    for (const [tab, account] of [
      [aliceTab, alice],
      [bobTab, bob],
    ] as const) {
      const expected = (await eventsOf(admin, account)).slice(1); // after its deposit, made before the socket opened
      await eventually(() => (transfersIn(tab, expected).length >= expected.length ? true : undefined), 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(transfersIn(tab, expected)).toEqual(expected);
      expect(new Set(received(tab)).size).toBe(received(tab).length);
      expect(received(tab).length - expected.length).toBeLessThanOrEqual(1);
    }
    await Promise.all([aliceTab.close(), bobTab.close()]);
    await ws.stop();
    // The consumer did lose NATS meanwhile, and got it back by itself.
    expect(readFileSync(path.join(dir, 'nats-restart', 'websocket', 'logs', 'info.log'), 'utf8')).toContain('nats: reconnect');
  });
});
