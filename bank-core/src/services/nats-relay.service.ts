import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';
import { connectNatsWhenReachable, EVENT_LINK_HEADERS, ledgerEventSubject, type Logger } from '@bank/common';
import type { Database } from '../db/database';
import type { FeedEvent, FeedPosition } from '../repositories/outbox.repository';
import { loadRelayPosition, saveRelayPosition, unpublishedEvents } from '../repositories/relay-position.repository';
import type { EventFeed } from './event-feed.service';
import { ensureStream, isMissingStream } from './nats-stream';

// The session advisory lock that elects the one publishing relay (migrations use 7245001, the sequencer 7245005).
export const RELAY_LOCK_KEY = 7_245_010;
// A standby instance asks for the lock this often, so it takes over within about a second of the holder dying.
const LOCK_RETRY_MS = 1_000;
// Longest wait for one publish's ack before trying it again (the same message id: a late ack is a duplicate).
const PUBLISH_TIMEOUT_MS = 5_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

const headerSetter = { set: (carrier: MsgHdrs, key: string, value: string) => carrier.set(key, value) };
const tracer = trace.getTracer('bank-core.nats-relay');

export interface NatsRelayOptions {
  db: Database;
  feed: EventFeed;
  logger: Logger;
  /** NATS server URLs (credentials allowed; never logged). */
  servers: string[];
  stream: string;
}

/**
 * Relays the outbox to NATS JetStream: every event of bank-core's feed, in feed order, once, to the subject
 * `<stream>.transaction.posted`, with the event id as the message id (docs/asyncapi.yaml).
 *
 * - Exactly one relay publishes at a time: the holder of a PostgreSQL session advisory lock (RELAY_LOCK_KEY)
 *   on a connection of its own. The other instances stand by and take over within about LOCK_RETRY_MS once
 *   the holder's connection ends. Should two overlap for a moment (a holder cut off from PostgreSQL keeps
 *   publishing until it notices), nothing goes wrong: both publish the same events in the same order,
 *   JetStream drops the repeats by message id, and the saved position only moves forward. On PGlite (one
 *   process) the relay simply runs.
 * - Each event is published after the previous one was acknowledged, so the stream holds them in feed order
 *   even across a NATS restart (a pipelined publish could land after one lost with the old connection).
 * - The position (table nats_relay_positions) is saved after each batch's acks, never before, in the background
 *   (publishing goes on while a save is retried): a relay that dies before its save re-publishes from the saved
 *   position, and JetStream de-duplicates the repeats within the stream's duplicate window.
 * - NATS down or restarting: the client reconnects by itself; the relay retries the same event until it is
 *   acknowledged, and skips nothing. PostgreSQL errors restart the reading from the position reached in memory.
 */
export function createNatsRelay({ db, feed, logger, servers, stream }: NatsRelayOptions) {
  const subject = ledgerEventSubject(stream);
  const closing = new AbortController();
  let nc: NatsConnection | undefined;
  let releaseLock: (() => Promise<void>) | undefined;
  let leadership: AbortController | undefined;
  let running: Promise<void> | undefined;
  let connecting: Promise<void> | undefined;
  let published: FeedPosition | undefined;
  let failing = false;
  let toSave: FeedPosition | undefined;
  let saving: Promise<void> | undefined;
  let natsUp = false;

  /** Publishes one event until JetStream acknowledges it (or `signal` aborts). @returns whether it was acknowledged. */
  async function publish(js: JetStreamClient, item: FeedEvent, signal: AbortSignal): Promise<boolean> {
    const payload = JSON.stringify(item.event);
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      const span = tracer.startSpan(`${subject} publish`, {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': subject,
          'messaging.message.id': item.event.eventId,
          ...(item.event.requestId ? { 'bank.request_id': item.event.requestId } : {}),
        },
      });
      try {
        const h = headers();
        h.set(EVENT_LINK_HEADERS.feedPosition, item.position);
        if (item.event.requestId) h.set(EVENT_LINK_HEADERS.requestId, item.event.requestId);
        propagation.inject(trace.setSpan(context.active(), span), h, headerSetter);
        const ack = await js.publish(subject, payload, { msgID: item.event.eventId, headers: h, timeout: PUBLISH_TIMEOUT_MS });
        if (failing) logger.info('nats relay: publishing again', { stream, position: item.position });
        failing = false;
        span.setAttribute('messaging.nats.duplicate', ack.duplicate);
        return true;
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        if (!failing) logger.warn('nats relay: publish failed; retrying the same event', { stream, position: item.position, error });
        failing = true;
        // The stream is gone (a NATS server that lost its store, or deleted by hand): create it again.
        if (isMissingStream(error)) await ensureStream(nc!, stream).catch(() => undefined);
        await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt, 5)), signal);
      } finally {
        span.end();
      }
    }
    return false;
  }

  /**
   * Saves the newest acknowledged position in the background, retrying until it sticks, while publishing
   * goes on (a database that refuses writes for a while must not hold the events back). Only ever a
   * position JetStream acknowledged.
   */
  function saveLater(position: FeedPosition, signal: AbortSignal): void {
    toSave = position;
    saving ??= (async () => {
      for (let attempt = 0; toSave !== undefined && !signal.aborted;) {
        const next: FeedPosition = toSave;
        try {
          await saveRelayPosition(db, stream, next);
          if (toSave === next) toSave = undefined;
          attempt = 0;
        } catch (error) {
          if (attempt === 0) logger.warn('nats relay: saving its position failed; retrying', { stream, position: next, error });
          await sleep(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt++, 5)), signal);
        }
      }
    })().finally(() => {
      saving = undefined;
      if (toSave !== undefined && !signal.aborted) saveLater(toSave, signal);
    });
  }

  /** Publishes while this instance holds the lock: from the saved position, then whatever the feed hands out. */
  async function lead(signal: AbortSignal): Promise<void> {
    const js = jetstream(nc!);
    let position: FeedPosition | undefined;
    for (let attempt = 0; !signal.aborted; attempt += 1) {
      try {
        if (position === undefined) {
          await ensureStream(nc!, stream);
          position = await loadRelayPosition(db, stream);
          logger.info('nats relay: publishing', { stream, after: position });
        }
        for await (const batch of feed.read(position, signal)) {
          for (const item of batch) {
            if (!(await publish(js, item, signal))) return;
            published = position = item.position;
          }
          saveLater(position, signal);
          attempt = 0;
        }
        return; // the feed reads forever: it ended because this relay or the feed is stopping
      } catch (error) {
        if (signal.aborted) return;
        logger.warn('nats relay: reading the outbox or preparing the stream failed; retrying', { stream, error });
        await sleep(Math.min(RETRY_MAX_MS * 5, RETRY_MIN_MS * 2 ** Math.min(attempt, 7)), signal);
      }
    }
  }

  const onAcquired = () => {
    if (closing.signal.aborted || leadership) return;
    logger.info('nats relay: this instance is the publishing relay', { stream });
    const mine = new AbortController();
    leadership = mine;
    running = lead(AbortSignal.any([mine.signal, closing.signal])).finally(() => {
      if (leadership === mine) leadership = undefined;
    });
  };
  const onLost = () => {
    logger.warn('nats relay: lost the relay lock; standing by', { stream });
    leadership?.abort();
    leadership = undefined;
  };

  async function connectAndCompete(): Promise<void> {
    const connection = await connectNatsWhenReachable({ servers, name: 'bank-core outbox relay', signal: closing.signal, logger });
    if (!connection) return;
    nc = connection;
    natsUp = true;
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type !== 'disconnect' && status.type !== 'reconnect') continue;
        natsUp = status.type === 'reconnect';
        logger.info(`nats relay: ${status.type}`, { stream });
      }
    })();
    releaseLock = await db.holdLock(RELAY_LOCK_KEY, { acquired: onAcquired, lost: onLost }, LOCK_RETRY_MS);
    if (closing.signal.aborted) await releaseLock();
  }

  return {
    /** Connects (in the background: bank-core serves while NATS is away) and competes for the relay lock. */
    start(): void {
      connecting ??= connectAndCompete().catch((error: unknown) => {
        logger.error('nats relay: could not start', { stream, error });
      });
    },

    /** Stops publishing and closes the NATS connection; the saved position stays where the acks got to. */
    async stop(): Promise<void> {
      closing.abort();
      await connecting;
      await running;
      await saving;
      // The last acknowledged position, once more (the background save stops with the relay).
      if (toSave !== undefined) await saveRelayPosition(db, stream, toSave).catch(() => undefined);
      await releaseLock?.();
      await nc?.close();
    },

    /** The gauge `bank_outbox_unpublished_events` (read from the database at each scrape, on every instance). */
    registerMetrics(registry: Registry): void {
      new Gauge({
        name: 'bank_outbox_unpublished_events',
        help: 'Outbox events the NATS relay has not published yet (acknowledged by JetStream and saved)',
        labelNames: ['stream'],
        registers: [registry],
        // A database that cannot answer leaves the last figure (the scrape must still succeed).
        async collect() {
          const unpublished = await unpublishedEvents(db, stream).catch(() => undefined);
          if (unpublished !== undefined) this.set({ stream }, unpublished);
        },
      });
    },

    status() {
      return { stream, leading: leadership !== undefined, connected: natsUp && !nc?.isClosed(), published: published ?? null };
    },
  };
}

export type NatsRelay = ReturnType<typeof createNatsRelay>;
