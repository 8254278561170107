import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt it.
 * A pid file claims the folder; a stale claim (its process is gone) is taken over.
 * @returns a function that releases the claim.
 * @throws Error naming the process that holds the folder.
 */
export function claimDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'bank-core.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (isAlive(holder) && holder !== process.pid) {
        throw new Error(`The embedded database in ${dataDir} is in use by process ${holder}; stop it first`, { cause: error });
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not claim ${dataDir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
