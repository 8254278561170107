import { loadRootEnvFile, resolveFromRoot } from '@bank/common';
import { loadConfig } from '../config/config';
import type { BackupTarget } from '../db/backup';

/**
 * The command line both `npm run backup` and `npm run restore` share: `-- <file> [--force]`, the file relative
 * to the repository root (as every path in the configuration), the database from the same configuration as
 * the server (.env, DATABASE_URL, DATA_DIR). Prints what `work` returns; on a refusal or failure prints why
 * and exits 1 (2 for a usage error).
 */
export function runBackupCommand(
  name: 'backup' | 'restore',
  work: (target: BackupTarget, file: string, force: boolean) => Promise<string>,
): void {
  const args = process.argv.slice(2);
  const files = args.filter((arg) => !arg.startsWith('--'));
  const options = args.filter((arg) => arg.startsWith('--'));
  if (files.length !== 1 || options.some((option) => option !== '--force')) {
    console.error(`usage: npm run ${name} -- <file> [--force]`);
    process.exit(2);
  }
  loadRootEnvFile();
  const config = loadConfig();
  work({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, resolveFromRoot(files[0]!), options.includes('--force')).then(
    (line) => console.log(line),
    (error: unknown) => {
      console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
