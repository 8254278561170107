import { LEDGER_EVENT_NAME, type Logger, type ServiceTokens, type TransactionPostedEvent } from '@bank/common';
import { createBoundedSet } from '../utils/bounded-set';
import { createSseParser, type SseEvent } from '../utils/sse-parser';
import { transactionPostedEventSchema } from '../validations/ledger-event.validation';
import type { FeedCursor } from './feed-cursor';

export interface FeedConsumerOptions {
  bankCoreUrl: string;
  serviceTokens: ServiceTokens;
  cursor: FeedCursor;
  logger: Logger;
  onEvent: (event: TransactionPostedEvent) => void;
  retryMaxMs: number;
  /** No bytes (not even a keepalive comment) for this long: the connection is presumed dead. */
  idleTimeoutMs: number;
  dedupeSize?: number;
}

// Consecutive failures (a few seconds of backoff) before a failed connection is worth a warning.
const QUIET_FAILURES = 5;
const RETRY_MIN_MS = 250;
// An unterminated line this long is not an SSE stream we understand.
const MAX_PENDING_CHARS = 1024 * 1024;

/**
 * Follows bank-core's ledger feed (`GET /internal/events`, Server-Sent Events): resumes after the
 * saved cursor with Last-Event-ID, reconnects with exponential backoff and jitter, drops redelivered
 * events by eventId, and advances the cursor only after an event was handed to `onEvent`.
 */
export function createFeedConsumer(options: FeedConsumerOptions) {
  const { bankCoreUrl, serviceTokens, cursor, logger, onEvent, retryMaxMs, idleTimeoutMs } = options;
  const seen = createBoundedSet<string>(options.dedupeSize ?? 10_000);
  const url = `${bankCoreUrl}/internal/events`;
  let stopped = false;
  let connected = false;
  let current: AbortController | undefined;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;
  let received = 0;

  function handle(message: SseEvent): void {
    if (message.event === LEDGER_EVENT_NAME) {
      let event: TransactionPostedEvent | undefined;
      try {
        const parsed = transactionPostedEventSchema.safeParse(JSON.parse(message.data));
        if (parsed.success) event = parsed.data;
        else logger.error('feed event does not match the contract; skipped', { id: message.id, issues: parsed.error.issues });
      } catch {
        logger.error('feed event is not JSON; skipped', { id: message.id });
      }
      if (event && !seen.has(event.eventId)) {
        seen.add(event.eventId);
        received += 1;
        onEvent(event);
      }
    }
  }

  /** One connection, until the stream ends or fails. Returns whether any event arrived. */
  async function follow(): Promise<boolean> {
    const controller = new AbortController();
    current = controller;
    let idle = setTimeout(() => controller.abort(new Error('feed idle timeout')), idleTimeoutMs);
    const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${serviceTokens.sign('websocket')}` };
    if (cursor.value !== undefined) headers['last-event-id'] = cursor.value;
    try {
      const response = await fetch(url, { headers, signal: controller.signal });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new Error(`feed answered HTTP ${response.status}`);
      }
      connected = true;
      logger.info('feed connected', { url, after: cursor.value ?? null });
      const parser = createSseParser();
      const decoder = new TextDecoder();
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let gotEvents = false;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        clearTimeout(idle);
        idle = setTimeout(() => controller.abort(new Error('feed idle timeout')), idleTimeoutMs);
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          handle(message);
          gotEvents = true;
        }
        // Only after the chunk's events were handled. Skipped and unknown events advance the position
        // too (re-reading them would not change them), and so does a data-less `id:` block: bank-core
        // announces its starting position that way, and keeping it means a restart misses nothing after it.
        if (parser.committedId !== undefined && parser.committedId !== cursor.value) cursor.set(parser.committedId);
        if (parser.pendingLength > MAX_PENDING_CHARS) throw new Error('feed sent an unterminated line');
      }
      logger.warn('feed stream ended');
      return gotEvents;
    } finally {
      clearTimeout(idle);
      connected = false;
      current = undefined;
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        if (await follow()) failures = 0;
      } catch (error) {
        if (stopped) break;
        // fetch reports "fetch failed"; the cause (ECONNREFUSED, ...) is what an operator needs.
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        // The first few failures are normal while both services start together (npm start, compose):
        // reported quietly, then as a warning once bank-core stays out of reach.
        const level = failures < QUIET_FAILURES ? 'info' : 'warn';
        logger.log(level, 'feed connection failed', {
          url,
          error: (error as Error).message,
          cause: cause?.code ?? cause?.message,
          failures: failures + 1,
        });
      }
      if (stopped) break;
      failures += 1;
      const ceiling = Math.min(retryMaxMs, RETRY_MIN_MS * 2 ** Math.min(failures - 1, 16));
      // Jitter: many instances restarting together do not reconnect in lockstep.
      const delay = ceiling / 2 + Math.random() * (ceiling / 2);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  return {
    start(): void {
      loop ??= run();
    },
    /** Ends the connection, stops reconnecting, and saves the cursor. */
    async stop(): Promise<void> {
      stopped = true;
      current?.abort(new Error('feed consumer stopping'));
      wake?.();
      await loop;
      await cursor.flush();
    },
    status() {
      return { connected, position: cursor.value ?? null, received };
    },
  };
}

export type FeedConsumer = ReturnType<typeof createFeedConsumer>;
