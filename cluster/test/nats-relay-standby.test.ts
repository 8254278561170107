import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createBenchDatabase, type BenchDatabase } from '../../bank-core/bench/bench-process';
import { startServiceProcess, type ServiceProcess } from '../../bank-core/chaos/service-process';
import { eventually } from '../../bank-core/test/support/eventually';
import { createCustomer, intent, payAll } from '../support/customers';
import { ENGINES } from '../support/engines';
import { allSequenced, feedOrder } from '../support/outbox';
import { readStream, relayingCoreEnv, startNatsServer, streamCount, type NatsServer } from '../support/nats-server';

jest.setTimeout(180_000);

const LEADING = 'nats relay: this instance is the publishing relay';

let nats: NatsServer;
let dir: string;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'nats-standby-test-'));
});

afterAll(async () => {
  await Promise.all(processes.map((process) => process.kill()));
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A compiled bank-core relaying to `stream`: on PostgreSQL with `databaseUrl`, on its own PGlite without. */
async function startCore(name: string, stream: string, databaseUrl?: string): Promise<ServiceProcess> {
  const core = await startServiceProcess(
    await relayingCoreEnv({
      dataDir: path.join(dir, name),
      databaseUrl,
      jwtSecret: 'standby-test-secret-that-is-long-enough-for-hs256',
      natsUrl: nats.url,
      stream,
    }),
    { compiled: true },
  );
  processes.push(core);
  return core;
}

describe('which bank-core relays', () => {
  let database: BenchDatabase;
  let admin: pg.Client;
  beforeAll(async () => {
    database = await createBenchDatabase(ENGINES.postgresUrl);
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  it('on PostgreSQL one instance publishes; killed (kill -9) under load, a standby takes over and every event is in the stream once, in order', async () => {
    const stream = `STANDBY_${randomBytes(4).toString('hex')}`;
    const a = await startCore('a', stream, database.url);
    const b = await startCore('b', stream, database.url);
    await eventually(() => (a.output().includes(LEADING) || b.output().includes(LEADING) ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a standby asks every second: it must stay one
    expect([a, b].filter((core) => core.output().includes(LEADING))).toHaveLength(1);
    const [leader, standby] = a.output().includes(LEADING) ? [a, b] : [b, a];

    const [alice, bob] = await Promise.all([createCustomer(standby.url, 1_000_000), createCustomer(leader.url, 1_000_000)]);
    const intents = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? intent(alice, bob, 3) : intent(bob, alice, 2)));
    // Half the clients talk to each instance; once the leader is dead, every retry goes to the standby.
    let leaderAlive = true;
    let turn = 0;
    const load = payAll(() => (leaderAlive && turn++ % 2 === 0 ? leader.url : standby.url), intents, 6, 5_000);
    await eventually(async () => ((await streamCount(nats.url, stream)) > 40 ? true : undefined), 20_000);
    leaderAlive = false;
    await leader.kill();
    await load;
    // Payments cut by the kill are retried through the survivor with their Idempotency-Key, as a client would.
    await payAll(
      standby.url,
      intents.filter((item) => !item.outcome),
      6,
    );
    expect(intents.every((item) => item.outcome?.status === 201)).toBe(true);

    expect(standby.output()).toContain(LEADING);
    await eventually(async () => ((await allSequenced(admin)) ? true : undefined), 10_000);
    const expected = await feedOrder(admin);
    expect(expected).toHaveLength(202);
    await eventually(async () => ((await streamCount(nats.url, stream)) >= expected.length ? true : undefined), 30_000);
    const stored = await readStream(nats.url, stream);
    expect(stored.map((message) => message.msgId)).toEqual(expected);
  });
});

describe('on the embedded database', () => {
  it('the relay simply runs: each event is published once', async () => {
    const stream = `PGLITE_${randomBytes(4).toString('hex')}`;
    const core = await startCore('pglite', stream);
    const [alice, bob] = await Promise.all([createCustomer(core.url, 10_000), createCustomer(core.url, 0)]);
    await payAll(core.url, [intent(alice, bob, 100), intent(alice, bob, 200)], 1);
    await eventually(async () => ((await streamCount(nats.url, stream)) === 3 ? true : undefined), 10_000);
    const stored = await readStream(nats.url, stream);
    expect(stored.map((message) => message.feedPosition)).toEqual(['1', '2', '3']);
    expect(new Set(stored.map((message) => message.msgId)).size).toBe(3);
    expect(core.output()).toContain(LEADING);
  });
});
