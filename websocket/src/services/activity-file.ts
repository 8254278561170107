import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { open, readdir, rename, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@bank/common';

/**
 * One file of an activity log: the live file (`interactions.txt`), or a rotated one, renamed at
 * rotation to carry that moment: `interactions.2026-11-26T10-15-00.123Z.txt`. A rotated file never
 * changes again, and none of its lines is younger than its stamp.
 */
export interface Segment {
  path: string;
  /** When the file was rotated (ms since the epoch); null for the live file. */
  rotatedAt: number | null;
}

// ISO 8601 in UTC with ':' as '-' (file names): fixed width, so name order is time order.
const STAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})Z$/;
const stampOf = (ms: number) => new Date(ms).toISOString().replace(/:/g, '-');
const parseStamp = (stamp: string): number | undefined => {
  const match = STAMP.exec(stamp);
  return match ? Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`) : undefined;
};

function namesOf(file: string) {
  const { dir, name, ext } = path.parse(file);
  return {
    dir,
    rotated: (ms: number) => path.join(dir, `${name}.${stampOf(ms)}${ext}`),
    /** The rotation time of a rotated file's name; undefined for any other name. */
    parse: (entry: string) =>
      entry.startsWith(`${name}.`) && entry.endsWith(ext) ? parseStamp(entry.slice(name.length + 1, entry.length - ext.length)) : undefined,
  };
}

/**
 * Beside each rotated file written by this service: the user ids with a line in it, one per line.
 * A customer's read skips the files whose index lacks them; a file without an index is read in full.
 */
export function indexPathOf(segmentPath: string): string {
  const { dir, name } = path.parse(segmentPath);
  return path.join(dir, `${name}.users`);
}

function toSegments(file: string, entries: string[]): Segment[] {
  const { dir, parse } = namesOf(file);
  const rotated: Segment[] = [];
  let live = false;
  for (const entry of entries) {
    if (entry === path.basename(file)) live = true;
    const rotatedAt = parse(entry);
    if (rotatedAt !== undefined) rotated.push({ path: path.join(dir, entry), rotatedAt });
  }
  rotated.sort((a, b) => a.rotatedAt! - b.rotatedAt!);
  return live ? [...rotated, { path: file, rotatedAt: null }] : rotated;
}

/** The files of the activity log whose live file is `file`, oldest first: rotated ones by stamp, then the live one. */
export async function listSegments(file: string): Promise<Segment[]> {
  try {
    return toSegments(file, await readdir(path.dirname(file)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** As listSegments, synchronously: for start-up only. */
export function listSegmentsSync(file: string): Segment[] {
  mkdirSync(path.dirname(file), { recursive: true });
  return toSegments(file, readdirSync(path.dirname(file)));
}

/**
 * Renames the files of the earlier naming (`file.1` newest ... `file.N` oldest, rotated by count)
 * to stamped names, each stamped with its modification time, kept in their order. Start-up only.
 */
export function adoptLegacyFiles(file: string): void {
  const { dir, rotated } = namesOf(file);
  const base = path.basename(file);
  const legacy = readdirSync(dir)
    .map((entry) => ({ entry, generation: entry.startsWith(`${base}.`) ? Number(entry.slice(base.length + 1)) : NaN }))
    .filter(({ generation }) => Number.isInteger(generation) && generation > 0)
    .sort((a, b) => b.generation - a.generation);
  let previous = -Infinity;
  for (const { entry } of legacy) {
    const at = Math.max(Math.floor(statSync(path.join(dir, entry)).mtimeMs), previous + 1);
    renameSync(path.join(dir, entry), rotated(at));
    previous = at;
  }
}

/**
 * The single writer of one activity log. Lines are queued and written in batches by one loop, so
 * concurrent appends never interleave, and a burst costs one write call rather than one per line.
 * When the next batch would pass `maxBytes`, the live file is renamed to its stamped name, its user
 * index written beside it, and a new one started: rotation only splits the log; deleting old files
 * is retention's job (by age).
 */
export function createActivityFile({
  file,
  maxBytes,
  logger,
  onStoredBytes,
}: {
  file: string;
  maxBytes: number;
  logger: Logger;
  /** Bytes on disk beyond the lines the caller counted at append: minus lines lost, plus an index written. */
  onStoredBytes: (delta: number) => void;
}) {
  const { rotated } = namesOf(file);
  let pending: { text: string; userId: string | null }[] = [];
  let draining = false;
  let drained: Promise<void> = Promise.resolve();
  let handle: FileHandle | undefined;
  let size = 0;
  // The users with a line in the live file. Unknown (undefined) for a live file this process did not
  // start, or after a failed write: that file is then rotated without an index, and read in full.
  let users: Set<string> | undefined;
  // Stamps only grow, even if the clock steps back, so name order stays rotation order.
  let lastRotatedAt = listSegmentsSync(file).reduce((latest, segment) => Math.max(latest, segment.rotatedAt ?? -Infinity), -Infinity);

  async function openFile(): Promise<FileHandle> {
    mkdirSync(path.dirname(file), { recursive: true });
    const opened = await open(file, 'a', 0o640);
    size = (await opened.stat()).size;
    if (size === 0) users = new Set();
    return opened;
  }

  /** Written to a temporary name and renamed, so a reader never sees half an index (which would hide lines). */
  async function writeIndex(segmentPath: string, ids: Set<string>): Promise<void> {
    const target = indexPathOf(segmentPath);
    const text = [...ids].map((id) => `${id}\n`).join('');
    try {
      await writeFile(`${target}.tmp`, text, { mode: 0o640 });
      await rename(`${target}.tmp`, target);
      onStoredBytes(Buffer.byteLength(text));
    } catch (error) {
      logger.error('activity index write failed; the file will be read in full', { file: segmentPath, error });
    }
  }

  async function rotate(): Promise<void> {
    await handle?.close();
    handle = undefined;
    const at = Math.max(Date.now(), lastRotatedAt + 1);
    await rename(file, rotated(at));
    lastRotatedAt = at;
    if (users) await writeIndex(rotated(at), users);
    users = undefined;
  }

  async function write(batch: typeof pending): Promise<void> {
    const text = batch.map((line) => line.text).join('');
    const bytes = Buffer.byteLength(text);
    handle ??= await openFile();
    if (size > 0 && size + bytes > maxBytes) {
      await rotate();
      handle = await openFile();
    }
    // Before the write: a reader that sees the line must find its user in the index.
    for (const { userId } of batch) if (userId !== null) users?.add(userId);
    await handle.write(text);
    size += bytes;
  }

  async function drain(): Promise<void> {
    try {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        try {
          await write(batch);
        } catch (error) {
          // Losing activity lines must not take the service down; the loss itself is logged.
          logger.error('activity file write failed', { file, error });
          onStoredBytes(-batch.reduce((sum, line) => sum + Buffer.byteLength(line.text), 0));
          users = undefined; // part of the batch may be in the file
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
    /** Queues one serialized line (ending in a newline) of `userId` (null: a line no customer reads). */
    append(text: string, userId: string | null): void {
      pending.push({ text, userId });
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
  };
}

export type ActivityFile = ReturnType<typeof createActivityFile>;
