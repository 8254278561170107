import { loadRootEnvFile } from '@bank/common';
import { loadConfig } from '../config/config';
import { openDatabase } from '../db/open-database';
import { auditLedger } from '../repositories/ledger-audit.repository';

/**
 * `npm run ledger:verify`: checks every ledger invariant against the configured database (the
 * embedded one under DATA_DIR, or DATABASE_URL), prints each check, exits 1 on any violation.
 * The embedded database allows one process at a time: stop bank-core before verifying it.
 */
async function main(): Promise<void> {
  loadRootEnvFile();
  const config = loadConfig();
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    poolSize: 1,
    dataDir: config.dataDir,
    timeouts: config.databaseTimeouts,
  });
  try {
    // One snapshot for every check, so money moving meanwhile cannot produce a false alarm.
    const checks = await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return auditLedger(tx);
    });
    let failed = 0;
    for (const check of checks) {
      const ok = check.violations.length === 0;
      console.log(`${ok ? 'ok  ' : 'FAIL'}  ${check.name} (${check.checked} checked)`);
      for (const violation of check.violations) console.log(`        ${violation}`);
      if (!ok) failed += 1;
    }
    console.log(failed === 0 ? 'ledger verified: every invariant holds' : `ledger verification failed: ${failed} check(s) violated`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error('ledger:verify could not run:', error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
