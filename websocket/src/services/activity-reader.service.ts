import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { AppError } from '../errors/app-error';
import { indexPathOf, listSegments, type Segment } from './activity-file';
import type { ActivityLine } from './activity-log.service';

export interface ActivityPage {
  items: ActivityLine[];
  /** Pass back as `cursor` for the lines after this page; null when none are left (for now). */
  nextCursor: string | null;
}

/** Where the next page starts: a byte offset in the file with this inode. Inodes survive rotation's renames. */
interface Position {
  ino: number;
  offset: number;
}

// Reads of this size keep a full scan (a customer with few lines among many) to few system calls.
const CHUNK_BYTES = 256 * 1024;
// A longer line cannot have been written by this service (frames are capped far below); skip it.
const MAX_LINE_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

function encodeCursor(position: Position): string {
  return Buffer.from(`${position.ino}:${position.offset}`).toString('base64url');
}

/** @throws VALIDATION for a cursor this service did not hand out. */
function decodeCursor(cursor: string): Position {
  const match = /^(\d{1,20}):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match)
    throw new AppError({ code: 'VALIDATION', message: 'Invalid cursor', details: [{ path: 'query.cursor', message: 'Invalid cursor' }] });
  return { ino: Number(match[1]), offset: Number(match[2]) };
}

async function openIfThere(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // deleted by retention meanwhile
    throw error;
  }
}

const inodeOf = (file: string) =>
  stat(file).then(
    (info) => info.ino,
    () => undefined,
  );

/** Whether `segment` may hold a line of `userId`: false only when its user index says it does not. */
async function mayHold(segment: Segment, userId: string): Promise<boolean> {
  if (segment.rotatedAt === null) return true;
  try {
    return `\n${await readFile(indexPathOf(segment.path), 'utf8')}`.includes(`\n${userId}\n`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true; // no index: read it all
    throw error;
  }
}

/** The index in `segments` of the file with inode `ino`, newest first (cursors are mostly recent); -1 when gone. */
async function indexOfInode(segments: Segment[], ino: number): Promise<number> {
  for (let index = segments.length - 1; index >= 0; index -= 1) {
    if ((await inodeOf(segments[index]!.path)) === ino) return index;
  }
  return -1;
}

/**
 * Pages through one activity log (its rotated files by stamp, then the live file), oldest line
 * first, whatever the number of files. Memory holds one chunk and at most one page of items, one
 * file open at a time. With a `userId`, rotated files whose user index lacks that user are skipped,
 * and in the others only lines containing the user's `"userId":"..."` bytes are parsed (then checked
 * exactly), so a customer's page passes over everyone else's lines at memory-search speed.
 *
 * A cursor names a file by inode. One older than the retention period, whose file is gone, restarts
 * at the oldest line kept; should the file system have given that inode to a newer file, the page
 * starts at the cursor's offset in it instead (a gap, for a cursor held longer than retention).
 */
export function createActivityReader({ file }: { file: string }) {
  /** @throws VALIDATION for a malformed cursor. */
  async function page({
    userId,
    limit,
    cursor,
  }: {
    userId: string | undefined;
    limit: number;
    cursor: string | undefined;
  }): Promise<ActivityPage> {
    const from = cursor === undefined ? undefined : decodeCursor(cursor);
    let segments = await listSegments(file);
    // A cursor whose file has since aged out restarts at the oldest file kept (every line there is newer).
    let index = from ? Math.max(0, await indexOfInode(segments, from.ino)) : 0;
    const needle = userId === undefined ? undefined : Buffer.from(`"userId":${JSON.stringify(userId)}`);
    const items: ActivityLine[] = [];
    let next: Position | undefined;

    while (index < segments.length) {
      const segment = segments[index]!;
      if (userId !== undefined && !(await mayHold(segment, userId))) {
        index += 1;
        continue;
      }
      const handle = await openIfThere(segment.path);
      if (segment.rotatedAt === null) {
        // The live file: files rotated since the listing (before or after this open) come first.
        const known = segments[index - 1]?.rotatedAt ?? -Infinity;
        const appeared = (await listSegments(file)).filter((newer) => newer.rotatedAt !== null && newer.rotatedAt > known);
        if (appeared.length > 0) {
          await handle?.close();
          segments = [...segments.slice(0, index), ...appeared, segment];
          continue;
        }
      }
      if (!handle) {
        index += 1; // deleted by retention meanwhile, or no live file yet
        continue;
      }
      try {
        const { ino } = await handle.stat();
        const offset = from?.ino === ino ? from.offset : 0;
        const full = await scanLines(handle, offset, needle, (text, endOffset) => {
          const line = parseLine(text);
          if (!line || (userId !== undefined && line.userId !== userId)) return true;
          if (items.length === limit) return false; // a match beyond the page: there is a next page
          items.push(line);
          next = { ino, offset: endOffset };
          return true;
        });
        if (full) return { items, nextCursor: next ? encodeCursor(next) : null };
      } finally {
        await handle.close();
      }
      index += 1;
    }
    return { items, nextCursor: null };
  }

  return { page };
}

export type ActivityReader = ReturnType<typeof createActivityReader>;

function parseLine(text: string): ActivityLine | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && 'type' in value ? (value as ActivityLine) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onLine` for each complete line from `start` (a partly written last line is left for the
 * next read) with the byte offset just past it; with a `needle`, only for lines that contain it.
 * Returns true when `onLine` stopped it by returning false.
 */
async function scanLines(
  handle: FileHandle,
  start: number,
  needle: Buffer | undefined,
  onLine: (text: string, endOffset: number) => boolean,
): Promise<boolean> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let position = start;
  let carry = Buffer.alloc(0);
  let carryStart = start;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) return false;
    position += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    const end = data.lastIndexOf(NEWLINE); // complete lines are data[0..end]
    let lineStart = 0;
    while (lineStart <= end) {
      let newline: number;
      if (needle) {
        const hit = data.indexOf(needle, lineStart);
        if (hit === -1 || hit > end) break;
        lineStart = data.lastIndexOf(NEWLINE, hit) + 1;
        newline = data.indexOf(NEWLINE, hit);
      } else {
        newline = data.indexOf(NEWLINE, lineStart);
      }
      if (!onLine(data.toString('utf8', lineStart, newline), carryStart + newline + 1)) return true;
      lineStart = newline + 1;
    }
    carryStart += end + 1;
    carry = Buffer.from(data.subarray(end + 1));
    if (carry.length > MAX_LINE_BYTES) {
      carryStart += carry.length;
      carry = Buffer.alloc(0);
    }
  }
}
