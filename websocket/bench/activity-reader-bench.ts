/**
 * Activity reader benchmark (`npm run bench:activity`): how long GET /api/websocket/interactions
 * takes to build a page when the activity folder holds its whole disk budget in rotated files.
 *
 * What runs
 *   - The real writer (activity-file.ts) fills a temporary folder with WS_BENCH_ACTIVITY_MB (default
 *     1,024 MiB, the default WS_ACTIVITY_MAX_TOTAL_BYTES) of interaction lines of about 330 bytes,
 *     rotated every WS_BENCH_ROTATE_MB (default 10, the default WS_ACTIVITY_MAX_BYTES), from
 *     WS_BENCH_USERS (default 1,000) users chosen at random; plus a "rare" user with 5 lines (first,
 *     middle and last file) and an "absent" user with none.
 *   - The real reader (activity-reader.service.ts) answers pages, in this process, from the page cache
 *     (the files were just written): the figures are CPU and system-call cost, not disk reads.
 *
 * What it prints: the time of each kind of page, median of 5 runs; the scans of a rare customer
 * again without the per-file user indexes (files rotated before a restart have none); and, for
 * comparison, one full scan that parses every line (what the reader did for a customer before).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '@bank/common';
import { createActivityFile, indexPathOf, listSegments } from '../src/services/activity-file';
import type { ActivityLine } from '../src/services/activity-log.service';
import { createActivityReader } from '../src/services/activity-reader.service';

const MIB = 1024 * 1024;
const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const TOTAL_BYTES = envInt('WS_BENCH_ACTIVITY_MB', 1_024) * MIB;
const ROTATE_BYTES = envInt('WS_BENCH_ROTATE_MB', 10) * MIB;
const USERS = envInt('WS_BENCH_USERS', 1_000);
const RUNS = 5;

const userId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const RARE = userId(999_998);
const ABSENT = userId(999_999);

function lineOf(user: string, n: number): string {
  const line: ActivityLine = {
    time: new Date(Date.UTC(2026, 10, 1) + n * 10).toISOString(),
    userId: user,
    connectionId: '6f1c1a52-8a43-4a5e-9d55-0d2f64b1c3aa',
    correlationId: `c-${n}`,
    type: 'event.interaction',
    data: { screen: 'transfer', text: `message ${n} `.padEnd(120, 'x') },
  };
  return `${JSON.stringify(line)}\n`;
}

async function fill(dir: string): Promise<{ lines: number; files: number }> {
  const logger = createLogger({ service: 'activity-bench', level: 'error', console: true });
  const file = path.join(dir, 'interactions.txt');
  const writer = createActivityFile({ file, maxBytes: ROTATE_BYTES, logger, onStoredBytes: () => undefined });
  const approxLines = Math.floor(TOTAL_BYTES / Buffer.byteLength(lineOf(userId(0), 0)));
  const rareAt = new Set([0, 1, Math.floor(approxLines / 2), approxLines - 2, approxLines - 1]);
  let written = 0;
  let n = 0;
  while (written < TOTAL_BYTES) {
    const user = rareAt.has(n) ? RARE : userId(Math.floor(Math.random() * USERS));
    const text = lineOf(user, n);
    writer.append(text, user);
    written += Buffer.byteLength(text);
    n += 1;
    // Batches of a thousand lines, as a busy service writes them; files end close to the rotation size.
    if (n % 1_000 === 0) await writer.flush();
  }
  await writer.close();
  return { lines: n, files: (await listSegments(file)).length };
}

async function median(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

/** The old way for a customer: parse every line, then compare its userId. */
function parseEveryLine(dir: string, user: string): number {
  let found = 0;
  for (const name of readdirSync(dir)) {
    for (const text of readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      if (text && (JSON.parse(text) as ActivityLine).userId === user) found += 1;
    }
  }
  return found;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'activity-bench-'));
  try {
    const filling = performance.now();
    const { lines, files } = await fill(dir);
    console.log(
      `wrote ${lines.toLocaleString()} lines, ${(TOTAL_BYTES / MIB).toFixed(0)} MiB in ${files} files, ${USERS} users, in ${((performance.now() - filling) / 1000).toFixed(1)} s`,
    );
    const reader = createActivityReader({ file: path.join(dir, 'interactions.txt') });
    const typical = userId(7);
    const ms = (value: number) => `${value.toFixed(1)} ms`;

    const adminFirst = await median(() => reader.page({ userId: undefined, limit: 50, cursor: undefined }));
    const typicalFirst = await median(() => reader.page({ userId: typical, limit: 50, cursor: undefined }));
    const rareAll = await median(() => reader.page({ userId: RARE, limit: 50, cursor: undefined }));
    const absent = await median(() => reader.page({ userId: ABSENT, limit: 50, cursor: undefined }));

    // Follow one typical user's cursor through their first 20 pages of 200, then time a page from the last cursor.
    let cursor: string | undefined;
    let pages = 0;
    const following = performance.now();
    for (; pages < 20; pages += 1) {
      const page = await reader.page({ userId: typical, limit: 200, cursor });
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const perPage = (performance.now() - following) / pages;
    const resumed = await median(() => reader.page({ userId: typical, limit: 200, cursor }));

    // The same two scans for files that have no user index (rotated before a restart, or by an older version).
    for (const segment of await listSegments(path.join(dir, 'interactions.txt'))) {
      if (segment.rotatedAt !== null) unlinkSync(indexPathOf(segment.path));
    }
    const rareNoIndex = await median(() => reader.page({ userId: RARE, limit: 50, cursor: undefined }));
    const absentNoIndex = await median(() => reader.page({ userId: ABSENT, limit: 50, cursor: undefined }));

    const naiveStarted = performance.now();
    parseEveryLine(dir, ABSENT);
    const naive = performance.now() - naiveStarted;

    console.log(`\nActivity reader, ${files} files (median of ${RUNS}, page cache warm):`);
    console.log(`  admin, first page of 50                          ${ms(adminFirst)}`);
    console.log(`  customer with ~${Math.round(lines / USERS)} lines, first page of 50      ${ms(typicalFirst)}`);
    console.log(
      `  same customer, pages of 200 followed by cursor   ${ms(perPage)} per page (${pages} pages); from the last cursor ${ms(resumed)}`,
    );
    console.log(`  customer with 5 lines (first, middle, last file) ${ms(rareAll)}; without user indexes ${ms(rareNoIndex)}`);
    console.log(`  customer with no lines                           ${ms(absent)}; without user indexes ${ms(absentNoIndex)}`);
    console.log(`  for comparison, parsing every line of every file  ${ms(naive)}  (one run; what a customer's read cost before)`);
    const cpus = os.cpus();
    console.log(
      `  machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, Node ${process.version}, load average ${os.loadavg()[0]?.toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
