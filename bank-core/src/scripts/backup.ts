import { backupDatabase } from '../db/backup';
import { runBackupCommand } from './backup-command';

/**
 * `npm run backup -- <file> [--force]`: a backup of the configured database (DATABASE_URL, or the embedded
 * one in DATA_DIR) in `file`; `--force` replaces an existing file. See README, Backups.
 */
runBackupCommand('backup', async (target, file, force) => {
  const { format, bytes } = await backupDatabase(target, file, { force });
  return `backup written: ${file} (${format}, ${bytes} bytes)`;
});
