import { closeRedis, connectRedis, createLogger, createSessionEndPublisher, loadRootEnvFile, whenReady } from '@bank/common';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/open-database';
import { setUserRole } from '../repositories/user.repository';

/**
 * Grants (or with --revoke, removes) the admin role: `npm run make-admin -- someone@example.com`.
 * Admins are never made by signup; this needs access to the database itself.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const email = args
    .find((arg) => !arg.startsWith('--'))
    ?.trim()
    .toLowerCase();
  if (!email) {
    console.error('usage: npm run make-admin -- <email> [--revoke]');
    process.exit(2);
  }
  const role = args.includes('--revoke') ? 'customer' : 'admin';
  loadRootEnvFile();
  const config = loadConfig();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: 1,
    dataDir: config.dataDir,
    timeouts: config.databaseTimeouts,
  });
  try {
    const user = await setUserRole(db, email, role);
    if (!user) {
      console.error(`No user with email ${email}`);
      process.exitCode = 1;
      return;
    }
    // Requests are authorized with the role the database holds now (session-guard.ts), so no new login is needed.
    console.log(`${user.email} is now ${user.role}, effective at once for their existing sessions; no need to log in again.`);
    if (config.redisUrl) await announceRoleChange(config.redisUrl, user.id);
  } finally {
    await db.close();
  }
}

/** Tells the websocket instances (bank-core hears it through NOTIFY) so open sockets take the new role at once. */
async function announceRoleChange(url: string, userId: string): Promise<void> {
  const logger = createLogger({ service: 'make-admin', level: 'warn', console: true });
  const client = connectRedis({ url, logger, purpose: 'role change' });
  // At most 2 s: unreachable, the publish fails with a warning and the sockets' periodic re-check applies the role.
  await whenReady(client, 2_000);
  await createSessionEndPublisher({ client, logger })({ userId, reason: 'role-change' });
  await closeRedis(client);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
