/**
 * The engines the multi-instance tests run against: the machine's own PostgreSQL, Redis and NATS
 * JetStream (loopback), overridable for a machine that puts them elsewhere. A test that must restart an
 * engine starts a server of its own instead (never the shared one).
 */
export const ENGINES = {
  postgresUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  natsUrl: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
};
