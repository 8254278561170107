import { statSync, unlinkSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@bank/common';
import { createThrottledWarning } from '../utils/throttled-warning';
import {
  adoptLegacyFiles,
  createActivityFile,
  indexPathOf,
  listSegments,
  listSegmentsSync,
  type ActivityFile,
  type Segment,
} from './activity-file';
import { createActivityQuota } from './activity-quota';

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
const KINDS: ActivityKind[] = ['interactions', 'errors'];

/** What became of a client's line: written, or refused by its writer's quota or by the folder's disk budget. */
export type RecordResult = 'written' | 'over-quota' | 'over-budget';

export interface ActivityLogOptions {
  dir: string;
  /** Rotation size of each file (bytes). */
  maxBytes: number;
  /** Rotated files older than this are deleted; nothing else ever deletes a line. */
  retentionDays: number;
  /** All activity files together; past it, client lines are refused (server lines are still written). */
  budgetBytes: number;
  quota: { bytesPerMinute: number; bytesPerDay: number };
  logger: Logger;
}

const DAY_MS = 86_400_000;
const RETENTION_SWEEP_MS = 3_600_000;
const QUOTA_PRUNE_MS = 60_000;

/**
 * interactions.txt and errors.txt with their rotated files, and the rules of what goes in them:
 * - server lines (account events this service records) are always written;
 * - client lines (anything a socket's frames or failures cause) count against their writer's quota
 *   (a user, or a client address before authentication) and are refused past it, or past the folder's
 *   disk budget; a refusal is counted, and the caller tells the client;
 * - files are deleted only by age (`retentionDays`), never to make room, so no writer can push
 *   another's lines out.
 */
export function createActivityLog({ dir, maxBytes, retentionDays, budgetBytes, quota: allowance, logger }: ActivityLogOptions) {
  const quota = createActivityQuota(allowance);
  const refused = { quota: 0, budget: 0 };
  let budgetExceeded = false;
  const warnBudget = createThrottledWarning(logger, 'activity files reached their disk budget; client lines are refused');
  const warnQuota = createThrottledWarning(logger, 'activity quota exceeded; client lines are refused');
  // Bytes of every activity file, counted when a line is queued so the budget check sees the queue too.
  let bytes = 0;

  const files = {} as Record<ActivityKind, ActivityFile>;
  for (const kind of KINDS) {
    const file = path.join(dir, ACTIVITY_FILES[kind]);
    listSegmentsSync(file); // creates the folder
    adoptLegacyFiles(file);
    files[kind] = createActivityFile({ file, maxBytes, logger, onStoredBytes: (delta) => (bytes += delta) });
  }

  const expired = (segment: Segment, now: number) => segment.rotatedAt !== null && segment.rotatedAt < now - retentionDays * DAY_MS;
  // A segment's files on disk: the lines, and beside a rotated one its user index.
  const pathsOf = (segment: Segment) => (segment.rotatedAt === null ? [segment.path] : [segment.path, indexPathOf(segment.path)]);
  const deleted = (count: number) => {
    if (count > 0) logger.info('activity files past retention deleted', { files: count, retentionDays });
    if (budgetExceeded && bytes < budgetBytes) {
      budgetExceeded = false;
      logger.info('activity files are under their disk budget again', { bytes, budgetBytes });
    }
  };

  // At start-up, synchronously: what the service serves from its first request is already within retention.
  let removed = 0;
  for (const kind of KINDS) {
    for (const segment of listSegmentsSync(files[kind].file)) {
      const old = expired(segment, Date.now());
      for (const file of pathsOf(segment)) {
        const size = sizeSync(file);
        if (size === undefined) continue;
        if (old) unlinkSync(file);
        else bytes += size;
      }
      if (old) removed += 1;
    }
  }
  deleted(removed);

  async function sweep(): Promise<void> {
    let count = 0;
    for (const kind of KINDS) {
      for (const segment of await listSegments(files[kind].file)) {
        if (!expired(segment, Date.now())) continue;
        for (const file of pathsOf(segment)) {
          const size = await stat(file).then(
            (info) => info.size,
            () => undefined,
          );
          if (size === undefined) continue;
          await unlink(file);
          bytes -= size;
        }
        count += 1;
      }
    }
    deleted(count);
  }
  const sweeper = setInterval(
    () => void sweep().catch((error: unknown) => logger.error('activity retention sweep failed', { error })),
    RETENTION_SWEEP_MS,
  );
  const pruner = setInterval(() => quota.prune(), QUOTA_PRUNE_MS);

  const serialize = (line: ActivityLine) => `${JSON.stringify(line)}\n`;
  const write = (kind: ActivityKind, text: string, userId: string | null) => {
    bytes += Buffer.byteLength(text);
    files[kind].append(text, userId);
  };

  return {
    /** Where each live file is (the readers find the rotated ones beside it). */
    paths: { interactions: files.interactions.file, errors: files.errors.file } as Record<ActivityKind, string>,
    /** A line the service itself records (account events): always written, whatever the quotas and budget. */
    recordServer(kind: ActivityKind, line: ActivityLine): void {
      write(kind, serialize(line), line.userId);
    },
    /**
     * A line a client caused, charged to `writer` (`user:<id>`, or `address:<ip>` before authentication).
     * Refused, and counted, when it would pass the disk budget or the writer's quota; never throws.
     */
    recordClient(kind: ActivityKind, line: ActivityLine, writer: string): RecordResult {
      const text = serialize(line);
      const size = Buffer.byteLength(text);
      if (bytes + size > budgetBytes) {
        refused.budget += 1;
        budgetExceeded = true;
        warnBudget({ bytes, budgetBytes, refusedLines: refused.budget });
        return 'over-budget';
      }
      if (!quota.take(writer, size)) {
        refused.quota += 1;
        warnQuota({ writer, ...allowance, refusedLines: refused.quota });
        return 'over-quota';
      }
      budgetExceeded = false;
      write(kind, text, line.userId);
      return 'written';
    },
    /** For /healthz. */
    status() {
      return { bytes, budgetBytes, budgetExceeded, retentionDays, refused: { ...refused } };
    },
    async flush(): Promise<void> {
      await Promise.all(KINDS.map((kind) => files[kind].flush()));
    },
    async close(): Promise<void> {
      clearInterval(sweeper);
      clearInterval(pruner);
      await Promise.all(KINDS.map((kind) => files[kind].close()));
    },
  };
}

export type ActivityLog = ReturnType<typeof createActivityLog>;

function sizeSync(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
