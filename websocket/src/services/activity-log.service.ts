import { mkdirSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@bank/common';

/** One line of interactions.txt or errors.txt. */
export interface ActivityLine {
  time: string;
  userId: string | null;
  connectionId: string | null;
  correlationId: string | null;
  requestId?: string;
  type: string;
  data: unknown;
}

export type ActivityKind = 'interactions' | 'errors';
export const ACTIVITY_FILES: Record<ActivityKind, string> = { interactions: 'interactions.txt', errors: 'errors.txt' };

export interface ActivityFileOptions {
  file: string;
  maxBytes: number;
  keepFiles: number;
  logger: Logger;
}

/** `file`, then `file.1` (newest rotated) ... `file.<keep>`: the order rotation renames them in. */
export function rotatedPath(file: string, generation: number): string {
  return generation === 0 ? file : `${file}.${generation}`;
}

/**
 * The single writer of one activity file. Lines are queued and written in batches by one loop,
 * so concurrent appends never interleave, and a burst costs one write call rather than one per line.
 * When the next batch would pass `maxBytes`, the file is rotated: file -> file.1 -> ... -> file.<keep>.
 */
export function createActivityFile({ file, maxBytes, keepFiles, logger }: ActivityFileOptions) {
  let pending: string[] = [];
  let draining = false;
  let drained: Promise<void> = Promise.resolve();
  let handle: FileHandle | undefined;
  let size = 0;

  async function openFile(): Promise<FileHandle> {
    mkdirSync(path.dirname(file), { recursive: true });
    const opened = await open(file, 'a', 0o640);
    size = (await opened.stat()).size;
    return opened;
  }

  async function rotate(): Promise<void> {
    await handle?.close();
    handle = undefined;
    for (let generation = keepFiles - 1; generation >= 0; generation -= 1) {
      try {
        // rename replaces the target, so the oldest generation simply falls off the end.
        await rename(rotatedPath(file, generation), rotatedPath(file, generation + 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  async function write(batch: string): Promise<void> {
    const bytes = Buffer.byteLength(batch);
    handle ??= await openFile();
    if (size > 0 && size + bytes > maxBytes) {
      await rotate();
      handle = await openFile();
    }
    await handle.write(batch);
    size += bytes;
  }

  async function drain(): Promise<void> {
    try {
      while (pending.length > 0) {
        const batch = pending.join('');
        pending = [];
        try {
          await write(batch);
        } catch (error) {
          // Losing activity lines must not take the service down; the loss itself is logged.
          logger.error('activity file write failed', { file, error });
          await handle?.close().catch(() => undefined);
          handle = undefined;
        }
      }
    } finally {
      // Runs in the same tick as the final empty-queue check, so no append can slip in unseen.
      draining = false;
    }
  }

  return {
    append(line: ActivityLine): void {
      pending.push(`${JSON.stringify(line)}\n`);
      if (!draining) {
        draining = true;
        drained = drain();
      }
    },
    /** Resolves once every line appended so far is written. */
    async flush(): Promise<void> {
      while (draining) await drained;
    },
    async close(): Promise<void> {
      await this.flush();
      await handle?.close();
      handle = undefined;
    },
    file,
    keepFiles,
  };
}

export type ActivityFile = ReturnType<typeof createActivityFile>;

export function createActivityLog({
  dir,
  maxBytes,
  keepFiles,
  logger,
}: {
  dir: string;
  maxBytes: number;
  keepFiles: number;
  logger: Logger;
}) {
  const files: Record<ActivityKind, ActivityFile> = {
    interactions: createActivityFile({ file: path.join(dir, ACTIVITY_FILES.interactions), maxBytes, keepFiles, logger }),
    errors: createActivityFile({ file: path.join(dir, ACTIVITY_FILES.errors), maxBytes, keepFiles, logger }),
  };
  return {
    ...files,
    async flush(): Promise<void> {
      await Promise.all([files.interactions.flush(), files.errors.flush()]);
    },
    async close(): Promise<void> {
      await Promise.all([files.interactions.close(), files.errors.close()]);
    },
  };
}

export type ActivityLog = ReturnType<typeof createActivityLog>;
