import { open, type FileHandle } from 'node:fs/promises';
import { AppError } from '../errors/app-error';
import { rotatedPath, type ActivityLine } from './activity-log.service';

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

const CHUNK_BYTES = 64 * 1024;
// A longer line cannot have been written by this service (frames are capped far below); skip it.
const MAX_LINE_BYTES = 4 * 1024 * 1024;

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

/**
 * Pages through one activity file and its rotated generations, oldest line first. Files are read
 * as streams of 64 KiB chunks: memory holds one chunk and at most one page of items (plus one
 * look-ahead match to tell whether there is a next page), however large the files are.
 */
export function createActivityReader({ file, keepFiles }: { file: string; keepFiles: number }) {
  async function openGenerations(): Promise<FileHandle[]> {
    const handles: FileHandle[] = [];
    for (let generation = keepFiles; generation >= 0; generation -= 1) {
      try {
        handles.push(await open(rotatedPath(file, generation), 'r'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return handles;
  }

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
    const handles = await openGenerations();
    try {
      const inodes = await Promise.all(handles.map(async (handle) => (await handle.stat()).ino));
      // A cursor whose file has since rotated out of existence restarts at the oldest file still kept.
      let first = from ? inodes.indexOf(from.ino) : 0;
      let offset = from && first !== -1 ? from.offset : 0;
      if (first === -1) first = 0;

      const items: ActivityLine[] = [];
      // Written from the scan callback, hence an object rather than narrowed locals.
      const state: { full: boolean; next: Position | undefined } = { full: false, next: undefined };
      for (let index = first; index < handles.length; index += 1) {
        const handle = handles[index]!;
        const ino = inodes[index]!;
        await scanLines(handle, index === first ? offset : 0, (text, endOffset) => {
          const line = parseLine(text);
          if (!line || (userId !== undefined && line.userId !== userId)) return true;
          if (items.length === limit) {
            state.full = true; // a match beyond the page: there is a next page, starting where the page ended
            return false;
          }
          items.push(line);
          state.next = { ino, offset: endOffset };
          return true;
        });
        if (state.full) return { items, nextCursor: state.next ? encodeCursor(state.next) : null };
        offset = 0;
      }
      return { items, nextCursor: null };
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
    }
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
 * next read) with the byte offset just past it; stops early when `onLine` returns false.
 */
async function scanLines(handle: FileHandle, start: number, onLine: (text: string, endOffset: number) => boolean): Promise<void> {
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let position = start;
  let carry = Buffer.alloc(0);
  let carryStart = start;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let lineStart = 0;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10, lineStart)) {
      const keepGoing = onLine(data.toString('utf8', lineStart, newline), carryStart + newline + 1);
      if (!keepGoing) return;
      lineStart = newline + 1;
    }
    carryStart += lineStart;
    carry = Buffer.from(data.subarray(lineStart));
    if (carry.length > MAX_LINE_BYTES) {
      carryStart += carry.length;
      carry = Buffer.alloc(0);
    }
  }
}
