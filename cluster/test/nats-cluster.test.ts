import pg from 'pg';
import type { ChaosAccount, Intent } from '../../bank-core/chaos/chaos-client';
import { verifyRun } from '../../bank-core/chaos/chaos-verify';
import type { Queryable } from '../../bank-core/src/db/database';
import { eventually } from '../../bank-core/test/support/eventually';
import { authedClient, type TestClient } from '../../websocket/test/support/ws-client';
import { createCustomer, deposit, intent, payAll } from '../support/customers';
import { eventsOfOwner } from '../support/outbox';
import { startNatsServer, streamCount, type NatsServer } from '../support/nats-server';
import { startTopology, type Instance, type Topology, type TopologyOptions } from '../support/topology';

jest.setTimeout(240_000);

const OPENING = 1_000_000;
const generous = { AUTH_RATE_LIMIT_PER_MINUTE: '100000', API_RATE_LIMIT_PER_MINUTE: '10000000' };

let nats: NatsServer | undefined;
let topology: Topology | undefined;
let admin: pg.Client;

/**
 * A fresh topology, database and NATS store for each test (the money check reads every transfer in the
 * database): two of each behind nginx, every instance on a NATS server of the test's own (it restarts it).
 * @returns the topology, its NATS server and an admin connection to its database.
 */
async function startCluster(websocketsFollow: TopologyOptions['websocketsFollow']) {
  nats = await startNatsServer();
  topology = await startTopology({ bankCores: 2, websockets: 2, natsUrl: nats.url, bankCoreEnv: generous, websocketsFollow });
  admin = new pg.Client({ connectionString: topology.database.url });
  await admin.connect();
  return { topology, nats };
}

afterEach(async () => {
  await admin?.end();
  await topology?.stop();
  await nats?.stop();
  topology = nats = undefined;
});

/** Whether this bank-core is the one publishing to JetStream now (its /healthz says so). */
const leading = async (core: Instance) =>
  ((await (await fetch(`${core.url}/healthz`)).json()) as { relay?: { leading: boolean } }).relay?.leading === true;

const eventsOf = (db: pg.Client, account: ChaosAccount) => eventsOfOwner(db, account.userId);

const socketUrl = (instance: Instance) => `${instance.url.replace(/^http/, 'ws')}/ws`;
const eventIds = (client: TestClient) =>
  client.messages.filter((message) => message.type === 'account.transaction').map((message) => message.eventId as string);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Opens an authenticated socket through nginx, trying again while the balancer still points at a dead instance. */
async function reconnect(wsUrl: string, token: string): Promise<{ client: TestClient; at: number }> {
  return eventually(async () => {
    try {
      return { client: await authedClient(wsUrl, token), at: Date.now() };
    } catch {
      return undefined;
    }
  }, 30_000);
}

describe('two bank-core and two websocket instances on NATS JetStream, behind nginx', () => {
  it("a transfer made through bank-core A reaches the owner's socket on the websocket instance that follows bank-core B within 1 s", async () => {
    const { topology } = await startCluster('own-bank-core');
    const [coreA, coreB] = topology.bankCores as [Instance, Instance];
    const wsB = topology.websockets[1]!;
    expect(wsB.env.BANK_CORE_URL).toBe(coreB.url);
    const [payer, payee] = await Promise.all([createCustomer(coreA.url, OPENING), createCustomer(coreA.url, 0)]);
    const tab = await authedClient(socketUrl(wsB), payee.token);

    const delays: number[] = [];
    for (let i = 1; i <= 20; i += 1) {
      const item = intent(payer, payee, i);
      const started = performance.now();
      await payAll(coreA.url, [item], 1);
      const frame = await tab.next((m) => m.type === 'account.transaction' && m.transactionId === item.outcome?.transactionId, 1_000);
      delays.push(performance.now() - started);
      expect(frame).toMatchObject({ amount: i });
    }
    delays.sort((a, b) => a - b);
    console.log(
      `request through bank-core A to the socket on the websocket instance following B, 20 transfers: ` +
        `p50 ${percentile(delays, 50).toFixed(1)} ms, max ${delays.at(-1)!.toFixed(1)} ms`,
    );
    expect(delays.at(-1)!).toBeLessThan(1_000);
    await tab.close();
  });

  it("kill -9 of one bank-core and one websocket instance under load, and a NATS restart: retrying clients lose nothing, and each owner's socket gets each event once", async () => {
    // The websocket instances reach bank-core through nginx, as in compose: the one whose bank-core dies keeps working.
    const { topology, nats } = await startCluster('nginx');
    const [survivingWs, killedWs] = topology.websockets as [Instance, Instance];
    const states = await Promise.all(topology.bankCores.map(leading));
    expect(states.filter(Boolean)).toHaveLength(1); // exactly one relay publishes
    const leader = topology.bankCores[states.indexOf(true)]!;
    const standby = topology.bankCores.find((core) => core !== leader)!;

    const customers = await Promise.all(Array.from({ length: 6 }, () => createCustomer(topology.url!, 0)));
    // Each owner has a socket on each websocket instance before any of their money moves.
    const surviving = await Promise.all(customers.map((customer) => authedClient(socketUrl(survivingWs), customer.token)));
    const doomed = await Promise.all(customers.map((customer) => authedClient(socketUrl(killedWs), customer.token)));
    await Promise.all(customers.map((customer) => deposit(topology.url!, customer, OPENING)));

    const intents: Intent[] = Array.from({ length: 800 }, (_, i) => {
      const from = customers[i % customers.length]!;
      const to = customers[(i * 5 + 1) % customers.length]!;
      return intent(from, to === from ? customers[(i + 1) % customers.length]! : to, 1 + (i % 50));
    });
    const load = payAll(topology.url!, intents, 8, 120_000);
    const done = () => intents.filter((item) => item.outcome).length;

    await eventually(() => (done() >= 80 ? true : undefined), 60_000);
    await Promise.all([leader.kill(), killedWs.kill()]);
    // The sockets of the killed instance are cut; their owners come back through nginx.
    await Promise.all(doomed.map((tab) => tab.closed));
    const reconnected = await Promise.all(customers.map((customer) => reconnect(topology.wsUrl!, customer.token)));
    await eventually(() => (done() >= 200 ? true : undefined), 60_000);
    expect(done()).toBeLessThan(intents.length - 200); // the faults come while the load runs
    await nats.restart({ hard: true, downMs: 1_000 });
    await Promise.all([leader.restart(), killedWs.restart()]);
    await load;

    expect(done()).toBe(intents.length);
    // The other bank-core took the relay over when the publishing one was killed, and keeps it.
    expect(await leading(standby)).toBe(true);
    expect(await leading(leader)).toBe(false);

    // Retrying clients lost nothing: every payment was answered 201, once, and the money adds up.
    expect(intents.filter((item) => item.outcome?.status !== 201)).toEqual([]);
    const db: Queryable = {
      query: async (sql, params) => {
        const result = await admin.query(sql, params as unknown[]);
        return { rows: result.rows, rowCount: result.rowCount ?? 0 };
      },
    };
    const verdicts = await verifyRun(db, customers, OPENING, intents);
    expect(verdicts.filter((verdict) => !verdict.ok)).toEqual([]);

    // Every event was published once...
    const total = Number((await admin.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox_events')).rows[0]!.n);
    await eventually(async () => ((await streamCount(nats.url, 'BANK_EVENTS')) === total ? true : undefined), 30_000);

    for (const [index, customer] of customers.entries()) {
      const expected = await eventsOf(admin, customer);
      // ...each socket on the surviving instance got every event of its owner exactly once, in feed order...
      const tab = surviving[index]!;
      await eventually(() => (eventIds(tab).length >= expected.length ? true : undefined), 30_000);
      expect(eventIds(tab)).toEqual(expected);
      // ...and a socket that reconnected after the kill got no event twice, and every one committed after it opened.
      const { client, at } = reconnected[index]!;
      const received = eventIds(client);
      expect(new Set(received).size).toBe(received.length);
      const later = intents.filter((item) => item.outcome!.at > at + 500 && (item.from === customer || item.to === customer));
      const ids = new Set(await idsOf(later.map((item) => item.outcome!.transactionId!)));
      expect(received.filter((id) => ids.has(id))).toHaveLength(ids.size);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const [index, customer] of customers.entries()) expect(eventIds(surviving[index]!)).toEqual(await eventsOf(admin, customer));
    await Promise.all([...surviving, ...reconnected.map((item) => item.client)].map((tab) => tab.close()));
  });
});

/** The outbox event ids of these transactions. */
async function idsOf(transactionIds: string[]): Promise<string[]> {
  const { rows } = await admin.query<{ id: string }>(
    `SELECT id::text AS id FROM outbox_events WHERE payload->>'transactionId' = ANY($1::text[])`,
    [transactionIds],
  );
  return rows.map((row) => row.id);
}
