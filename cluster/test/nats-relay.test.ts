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
import { feedOrder } from '../support/outbox';
import { readStream, relayingCoreEnv, startNatsServer, streamCount, type NatsServer } from '../support/nats-server';

jest.setTimeout(180_000);

let nats: NatsServer;
let database: BenchDatabase;
let admin: pg.Client;
let dataDir: string;
let stream: string;
let core: ServiceProcess | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  nats = await startNatsServer();
  database = await createBenchDatabase(ENGINES.postgresUrl);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nats-relay-test-'));
  stream = `RELAY_TEST_${randomBytes(4).toString('hex')}`;
  env = await relayingCoreEnv({
    dataDir,
    databaseUrl: database.url,
    jwtSecret: `relay-test-${randomBytes(32).toString('hex')}`,
    natsUrl: nats.url,
    stream,
  });
  core = await startServiceProcess(env, { compiled: true });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await core?.kill();
  await admin?.end();
  await database?.drop();
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function savedPosition(): Promise<number> {
  const { rows } = await admin.query<{ position: string }>(
    'SELECT position::text AS position FROM nats_relay_positions WHERE stream = $1',
    [stream],
  );
  return Number(rows[0]?.position ?? 0);
}

async function outboxSize(): Promise<number> {
  return Number((await admin.query<{ n: string }>('SELECT count(*)::text AS n FROM outbox_events')).rows[0]!.n);
}

/** Waits until the stream holds every outbox event and the relay saved the last position. */
async function allPublished(timeoutMs = 30_000): Promise<number> {
  return eventually(async () => {
    const total = await outboxSize();
    return total > 0 && (await streamCount(nats.url, stream)) >= total && (await savedPosition()) === total ? total : undefined;
  }, timeoutMs);
}

/** The stream holds each outbox event exactly once, in feed order, under its event id and feed position. */
async function expectStreamIsTheFeed(): Promise<void> {
  const expected = await feedOrder(admin);
  const stored = await readStream(nats.url, stream);
  expect(stored.map((message) => message.msgId)).toEqual(expected);
  expect(stored.map((message) => message.eventId)).toEqual(expected);
  expect(stored.map((message) => message.feedPosition)).toEqual(expected.map((_, index) => String(index + 1)));
}

describe('the NATS JetStream relay', () => {
  it('publishes each committed event once, in feed order, with the event id as message id and the request id', async () => {
    const [alice, bob] = await Promise.all([createCustomer(core!.url, 100_000), createCustomer(core!.url, 100_000)]);
    const intents = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? intent(alice, bob, 10 + i) : intent(bob, alice, 20 + i)));
    await payAll(core!.url, intents, 6);
    expect(intents.every((item) => item.outcome?.status === 201)).toBe(true);

    const total = await allPublished();
    expect(total).toBe(62);
    await expectStreamIsTheFeed();
    const stored = await readStream(nats.url, stream);
    expect(stored.every((message) => message.requestId && /^[0-9a-f-]{36}$/.test(message.requestId))).toBe(true);

    const metrics = await (await fetch(`${core!.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^bank_outbox_unpublished_events\\{stream="${stream}"\\} 0$`, 'm'));
  });

  it('a relay killed after JetStream acknowledged but before saving its position re-publishes, and JetStream drops the repeats', async () => {
    const before = await allPublished();
    const [carol, dan] = await Promise.all([createCustomer(core!.url, 50_000), createCustomer(core!.url, 0)]);
    const saved = await eventually(async () => ((await savedPosition()) === (await outboxSize()) ? savedPosition() : undefined), 30_000);
    expect(saved).toBe(before + 1);

    // The database refuses the relay's saves: it publishes (and JetStream acknowledges) but cannot save.
    // (A refusal, not a held row lock: a save blocked on a lock would still commit after the kill.)
    await admin.query(`CREATE FUNCTION refuse_relay_saves() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: relay position saves refused'; END $$`);
    await admin.query(
      'CREATE TRIGGER refuse_relay_saves BEFORE UPDATE ON nats_relay_positions FOR EACH ROW EXECUTE FUNCTION refuse_relay_saves()',
    );
    const intents = Array.from({ length: 20 }, () => intent(carol, dan, 100));
    await payAll(core!.url, intents, 4);
    const total = await outboxSize();
    await eventually(async () => ((await streamCount(nats.url, stream)) === total ? true : undefined), 30_000);
    await core!.kill();
    await admin.query('DROP TRIGGER refuse_relay_saves ON nats_relay_positions');
    expect(await savedPosition()).toBe(saved);

    core = await startServiceProcess(env, { compiled: true });
    expect(await allPublished()).toBe(total);
    // It started again after the saved position, so it re-published every event since (20 of them)...
    expect(core.output()).toContain(`"after":"${saved}"`);
    // ...and the stream still holds each once.
    expect(await streamCount(nats.url, stream)).toBe(total);
    await expectStreamIsTheFeed();
  });

  it('a NATS restart under load loses nothing: every event is published once, in order', async () => {
    const [erin, frank] = await Promise.all([createCustomer(core!.url, 1_000_000), createCustomer(core!.url, 1_000_000)]);
    const intents = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? intent(erin, frank, 7) : intent(frank, erin, 5)));
    const load = payAll(core!.url, intents, 8);
    await eventually(async () => ((await streamCount(nats.url, stream)) > (await outboxSize()) - 250 ? true : undefined), 30_000);
    await nats.restart({ hard: true, downMs: 1_000 });
    await load;
    expect(intents.every((item) => item.outcome?.status === 201)).toBe(true);

    await allPublished(60_000);
    await expectStreamIsTheFeed();
    // The relay did lose NATS meanwhile (and got it back by itself).
    expect(core!.output()).toContain('nats relay: reconnect');
  });
});
