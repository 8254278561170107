import { randomBytes } from 'node:crypto';
import { createLogger } from '@bank/common';
import { loadConfig } from '../src/config/config';
import type { Database } from '../src/db/database';
import { createServices } from '../src/services';
import { mapLimit } from './bench-load';
import type { BenchAccount } from './bench-seed';

const USERS = 100;
const ACCOUNTS_PER_USER = 4;
const OPENING_BALANCE = 1_000_000_000;

/**
 * 400 funded accounts made with bank-core's own services in this process (no HTTP: the feed
 * benchmark measures the database side). `databaseUrl` only fills the configuration.
 */
export async function seedInProcess(db: Database, databaseUrl: string | undefined): Promise<BenchAccount[]> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: '/nonexistent-feed-bench',
    JWT_SECRET: 'feed-bench-secret-that-is-long-enough-0123456789',
    BCRYPT_COST: '4',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const services = createServices({ config, db, logger: createLogger({ service: 'feed-bench', level: 'error', console: true }) });
  const run = randomBytes(4).toString('hex');
  const perUser = await mapLimit(
    Array.from({ length: USERS }, (_, i) => i),
    8,
    async (i) => {
      const ownerName = `Bench User ${i}`;
      const { user, account } = await services.auth.signup({
        name: ownerName,
        email: `feed-${run}-${i}@example.com`,
        password: 'x'.repeat(12),
      });
      const owned = [account];
      for (let n = 1; n < ACCOUNTS_PER_USER; n += 1)
        owned.push(await services.accounts.open(user.id, { currency: 'NGN', description: `bench ${n}` }));
      return owned.map((a): BenchAccount => ({ id: a.id, accountNumber: a.accountNumber, userId: user.id, ownerName, token: '' }));
    },
  );
  const accounts = perUser.flat();
  await mapLimit(accounts, 8, (account) =>
    services.ledger.deposit({ userId: account.userId, requestId: null }, { accountId: account.id, amount: OPENING_BALANCE }),
  );
  services.feed.close();
  return accounts;
}

/**
 * The design measured against migration 005's insert-only sequencer: a position column on
 * outbox_events, set by an UPDATE, with a partial index to find the rows that have none (which every
 * posting's insert must also maintain). Same lock, same order, same run size.
 */
export const UPDATE_ALTERNATIVE = {
  schema: [
    'ALTER TABLE outbox_events ADD COLUMN feed_position BIGINT',
    'CREATE UNIQUE INDEX outbox_events_feed_position_idx ON outbox_events (feed_position)',
    'CREATE INDEX outbox_events_unsequenced_idx ON outbox_events (id) WHERE feed_position IS NULL',
    `CREATE FUNCTION outbox_feed_sequence_by_update(p_limit INTEGER) RETURNS INTEGER LANGUAGE plpgsql
    SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off AS $$
    DECLARE
      v_last BIGINT;
      v_count INTEGER;
    BEGIN
      IF NOT pg_try_advisory_xact_lock(7245006) THEN
        RETURN NULL;
      END IF;
      SELECT coalesce(max(feed_position), 0) INTO v_last FROM outbox_events;
      UPDATE outbox_events o SET feed_position = v_last + s.n
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n
              FROM (SELECT id FROM outbox_events WHERE feed_position IS NULL ORDER BY id LIMIT p_limit) w) s
        WHERE o.id = s.id;
      GET DIAGNOSTICS v_count = ROW_COUNT;
      RETURN v_count;
    END $$`,
  ],
  run: 'SELECT outbox_feed_sequence_by_update(1000) AS n',
};
