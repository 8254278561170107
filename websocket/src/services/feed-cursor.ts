import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Saving on every event would be a rename per event at full load; every 100 ms bounds the
// redelivery after a crash to that window (delivery is at-least-once), and stop() saves exactly.
const SAVE_EVERY_MS = 100;

/**
 * The feed position (last processed SSE id) kept in a file, written atomically (tmp + rename)
 * so a crash mid-write leaves the previous position, never a torn one.
 */
export function createFeedCursor(dir: string) {
  const file = path.join(dir, 'feed-cursor');
  mkdirSync(dir, { recursive: true });
  let current = readSaved(file);
  let saved = current;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const save = () => {
    timer = undefined;
    const value = current;
    if (value === undefined || value === saved) return writing;
    // A failed earlier write must not poison the chain: the next save tries again.
    writing = writing
      .catch(() => undefined)
      .then(async () => {
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, value, { mode: 0o600 });
        await rename(tmp, file);
        saved = value;
      });
    return writing;
  };

  return {
    get value(): string | undefined {
      return current;
    },
    set(position: string): void {
      current = position;
      timer ??= setTimeout(() => void save().catch(() => undefined), SAVE_EVERY_MS);
    },
    /** Writes the latest position now. @throws the file system's error if it cannot. */
    async flush(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await save();
    },
  };
}

export type FeedCursor = ReturnType<typeof createFeedCursor>;

function readSaved(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
