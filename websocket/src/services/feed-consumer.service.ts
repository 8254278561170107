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
  /** While bank-core is unreachable, how often its /readyz is asked whether it is back (ms). */
  probeIntervalMs: number;
  /** No bytes (not even a keepalive comment) for this long: the connection is presumed dead. */
  idleTimeoutMs: number;
  dedupeSize?: number;
}

// Consecutive failures (a few seconds of backoff) before a failed connection is worth a warning.
const QUIET_FAILURES = 5;
const RETRY_MIN_MS = 250;
// An unterminated line this long is not an SSE stream we understand.
const MAX_PENDING_CHARS = 1024 * 1024;
// A probe that gets no answer in this long counts as "not ready" (a black-holed address must not stack probes).
const PROBE_TIMEOUT_MS = 2_000;

/** bank-core answered the feed request, with a refusal: backing off is right (it is up, and asking again will not help soon). */
class FeedRefusedError extends Error {}

/**
 * Follows bank-core's ledger feed (`GET /internal/events`, Server-Sent Events): resumes after the
 * saved cursor with Last-Event-ID, reconnects with exponential backoff and jitter, drops redelivered
 * events by eventId, and advances the cursor only after an event was handed to `onEvent`.
 *
 * The backoff serves a bank-core that answers but refuses. When bank-core could not be reached at
 * all (not started yet, restarting), its `/readyz` is probed every `probeIntervalMs` during the wait
 * and the feed reconnects as soon as it answers 200: the services start together (`npm start`,
 * compose), and without the probe a backoff grown while bank-core was down delays live events by
 * up to the last delay (8-16 s after a few seconds down).
 */
export function createFeedConsumer(options: FeedConsumerOptions) {
  const { bankCoreUrl, serviceTokens, cursor, logger, onEvent, retryMaxMs, probeIntervalMs, idleTimeoutMs } = options;
  const seen = createBoundedSet<string>(options.dedupeSize ?? 10_000);
  const url = `${bankCoreUrl}/internal/events`;
  const readyUrl = `${bankCoreUrl}/readyz`;
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
        throw new FeedRefusedError(`feed answered HTTP ${response.status}`);
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

  /** Whether bank-core's /readyz answers 200 now. Never throws. */
  async function ready(signal: AbortSignal): Promise<boolean> {
    try {
      const response = await fetch(readyUrl, { signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  /**
   * Waits `delayMs`, or less: until stop(), or, with `probe`, until bank-core's /readyz answers 200.
   * Probes run one after another, `probeIntervalMs` apart.
   */
  async function pause(delayMs: number, probe: boolean): Promise<void> {
    const over = new AbortController();
    const timers: NodeJS.Timeout[] = [];
    await new Promise<void>((resolve) => {
      wake = () => over.abort();
      over.signal.addEventListener('abort', () => resolve());
      timers.push(setTimeout(() => over.abort(), delayMs));
      const next = () =>
        timers.push(
          setTimeout(() => {
            void ready(over.signal).then((answered) => {
              if (over.signal.aborted) return;
              if (!answered) return next();
              logger.info('bank-core is ready; reconnecting the feed', { url: readyUrl });
              over.abort();
            });
          }, probeIntervalMs),
        );
      if (probe) next();
    });
    timers.forEach(clearTimeout);
    wake = undefined;
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      // Whether bank-core answered this attempt (a refusal, or a stream that ended): then plain backoff.
      let answered = true;
      try {
        if (await follow()) failures = 0;
      } catch (error) {
        if (stopped) break;
        answered = error instanceof FeedRefusedError;
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
      // Unreachable (refused connection, reset, silence): ask /readyz meanwhile. A bank-core that is
      // restarting fails the next attempt this way, so a stream that ended needs no probe of its own.
      await pause(delay, !answered);
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
      return { connected, position: cursor.value ?? null, received, transport: 'sse' as const };
    },
  };
}

export type FeedConsumer = ReturnType<typeof createFeedConsumer>;
