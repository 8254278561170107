import { restoreDatabase } from '../db/backup';
import { runBackupCommand } from './backup-command';

/**
 * `npm run restore -- <file> [--force]`: puts a backup made by `npm run backup` into the configured database,
 * which must be empty unless `--force` (PostgreSQL: its contents are dropped; PGlite: the folder is kept
 * aside). Stop bank-core first. See README, Backups.
 */
runBackupCommand('restore', async (target, file, force) => {
  const { format, replaced } = await restoreDatabase(target, file, { force });
  return `restored ${file} (${format})${replaced ? `; the database it replaced is kept in ${replaced}` : ''}`;
});
