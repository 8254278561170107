import type { z } from 'zod';
import { loadOrCreateDevSecret, MIN_SECRET_BYTES } from './dev-secret';

/** A configuration problem, phrased for the person starting the service. */
export class ConfigError extends Error {}

/**
 * Validates the environment against a service's schema.
 * @throws ConfigError listing every invalid variable at once.
 */
export function parseEnv<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
}

/**
 * The JWT secret every service must agree on: JWT_SECRET when it is long enough; in production it
 * is required; elsewhere, when unset, the one generated once under the shared data folder.
 * @throws ConfigError for a short secret, or a missing one in production.
 */
export function resolveJwtSecret(options: { secret: string | undefined; production: boolean; dataDir: string }): string {
  const { secret, production, dataDir } = options;
  if (secret !== undefined && Buffer.byteLength(secret) >= MIN_SECRET_BYTES) return secret;
  if (production || secret !== undefined) {
    throw new ConfigError(
      `JWT_SECRET must be set to at least ${MIN_SECRET_BYTES} bytes` +
        (production ? ' in production' : ' (or left unset outside production)'),
    );
  }
  return loadOrCreateDevSecret(dataDir);
}

/**
 * TRUST_PROXY as Express's `trust proxy` setting takes it: `true`, `false`, a hop count, or a
 * comma-separated list of addresses, subnets and names (`loopback`, `uniquelocal`), per
 * https://expressjs.com/en/guide/behind-proxies.html. Both services read it the same way.
 */
export function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}
