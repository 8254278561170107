import { context, SpanKind, trace } from '@opentelemetry/api';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { Gauge, type Registry } from 'prom-client';
import { connectNatsWhenReachable, ledgerEventSubject, type Logger, type TransactionPostedEvent } from '@bank/common';
import { createBoundedSet } from '../utils/bounded-set';
import { decodeLinkMessage } from './nats-message';

export interface NatsConsumerOptions {
  /** NATS server URLs (credentials allowed; never logged). */
  servers: string[];
  stream: string;
  /** Names the durable consumer `ws-<instanceId>`. */
  instanceId: string;
  logger: Logger;
  onEvent: (event: TransactionPostedEvent) => void;
  dedupeSize?: number;
}

// A message not acknowledged within this long is delivered again (the process is alive but stuck, or died).
const ACK_WAIT_MS = 30_000;
// A durable consumer nobody has read for this long is removed by the server (an instance that is gone for
// good, e.g. a container with a new host name); a restart within it resumes where it stopped.
const INACTIVE_THRESHOLD_MS = 24 * 3_600_000;
// Messages buffered per pull; the library asks for more when half are processed.
const PULL_BATCH = 256;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
// While the stream does not exist yet, how often to look again, and how many looks stay quiet (info, not warn).
const STREAM_WAIT_MS = 1_000;
const STREAM_WAIT_QUIET_TRIES = 60;
// The consumer's lag as the scrape reads it from the server; past this it reports the last figure it had.
const INFO_TIMEOUT_MS = 1_000;

const tracer = trace.getTracer('websocket.nats-consumer');

const isMissing = (error: unknown, code: number) => error instanceof JetStreamApiError && error.code === code;

/**
 * Follows bank-core's ledger events through NATS JetStream, instead of the SSE feed: a durable pull consumer
 * `ws-<instanceId>` on the stream, so a restarted instance resumes after the last event it acknowledged.
 * Created the first time with DeliverPolicy.New (like the SSE feed without a cursor: from now on). Each
 * message is validated (docs/asyncapi.yaml), handed to `onEvent` unless its event id was seen lately (a
 * redelivery), then acknowledged. A message that fails validation is logged (reason and sequence, never
 * the payload) and terminated, so it is not delivered again. The NATS client reconnects by itself; a
 * consumer or stream that disappears (a NATS server that lost its store) is created again.
 */
export function createNatsConsumer(options: NatsConsumerOptions) {
  const { servers, stream, instanceId, logger, onEvent } = options;
  const durable = `ws-${instanceId}`;
  const subject = ledgerEventSubject(stream);
  const seen = createBoundedSet<string>(options.dedupeSize ?? 10_000);
  const closing = new AbortController();
  let nc: NatsConnection | undefined;
  let messages: ConsumerMessages | undefined;
  let consumer: Consumer | undefined;
  let loop: Promise<void> | undefined;
  let connected = false;
  let received = 0;
  let position: string | null = null;
  let lastPending = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      closing.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  function handle(message: JsMsg): void {
    const decoded = decodeLinkMessage(message.data, message.headers);
    if (!decoded.ok) {
      logger.error('nats event does not match the contract; terminated', {
        stream,
        seq: message.seq,
        reason: decoded.reason,
        issues: decoded.issues,
      });
      message.term();
      return;
    }
    const { event } = decoded;
    if (!seen.has(event.eventId)) {
      const span = tracer.startSpan(
        `${subject} process`,
        { kind: SpanKind.CONSUMER, attributes: { 'messaging.message.id': event.eventId } },
        decoded.trace,
      );
      try {
        context.with(trace.setSpan(decoded.trace, span), () => onEvent(event));
      } catch (error) {
        // Not acknowledged, and not remembered as seen: delivered again shortly.
        logger.error('nats event could not be handed out; it will be delivered again', { stream, seq: message.seq, error });
        message.nak(RETRY_MAX_MS);
        return;
      } finally {
        span.end();
      }
      seen.add(event.eventId);
      received += 1;
    }
    message.ack();
    position = decoded.feedPosition ?? String(message.seq);
    lastPending = message.info.pending;
  }

  /** The durable consumer, created when missing. @throws when the stream does not exist (yet) or NATS is away. */
  async function ensureConsumer(connection: NatsConnection) {
    const jsm = await jetstreamManager(connection);
    try {
      await jsm.consumers.info(stream, durable);
    } catch (error) {
      if (!isMissing(error, JetStreamApiCodes.ConsumerNotFound)) throw error;
      await jsm.consumers.add(stream, {
        durable_name: durable,
        filter_subject: subject,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        ack_wait: nanos(ACK_WAIT_MS),
        inactive_threshold: nanos(INACTIVE_THRESHOLD_MS),
      });
      logger.info('nats: durable consumer created', { stream, consumer: durable });
    }
    return jetstream(connection).consumers.get(stream, durable);
  }

  async function run(): Promise<void> {
    const connection = await connectNatsWhenReachable({ servers, name: `websocket ${instanceId}`, signal: closing.signal, logger });
    if (!connection) return;
    nc = connection;
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') connected = false;
        if (status.type === 'disconnect' || status.type === 'reconnect') logger.info(`nats: ${status.type}`, { stream });
      }
    })();
    for (let failures = 0; !closing.signal.aborted; failures += 1) {
      let waitingForStream = false;
      try {
        consumer = await ensureConsumer(connection);
        const current = await consumer.consume({ max_messages: PULL_BATCH });
        messages = current;
        connected = true;
        failures = 0;
        logger.info('nats: consuming', { stream, consumer: durable });
        void (async () => {
          for await (const status of current.status()) {
            // The server forgot the consumer, or stopped answering: consume again from a fresh one.
            if (status.type === 'consumer_deleted' || status.type === 'consumer_not_found' || status.type === 'stream_not_found')
              current.stop();
            if (status.type === 'heartbeats_missed' && status.count >= 2) current.stop();
          }
        })();
        for await (const message of current) handle(message);
      } catch (error) {
        if (closing.signal.aborted) break;
        // bank-core's relay creates the stream: while it has not yet (both just started), look again every second.
        waitingForStream = isMissing(error, JetStreamApiCodes.StreamNotFound);
        const level = failures < (waitingForStream ? STREAM_WAIT_QUIET_TRIES : 3) ? 'info' : 'warn';
        logger.log(level, waitingForStream ? 'nats: no stream yet (bank-core creates it); waiting' : 'nats: cannot consume yet; retrying', {
          stream,
          consumer: durable,
          error: (error as Error).message,
        });
      }
      connected = false;
      messages = undefined;
      const delay = waitingForStream ? STREAM_WAIT_MS : Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(failures, 5));
      if (!closing.signal.aborted) await sleep(delay);
    }
  }

  return {
    start(): void {
      loop ??= run().catch((error: unknown) => {
        logger.error('nats: consumer stopped', { stream, error });
      });
    },
    /** Stops consuming, sends the acknowledgements still buffered, and closes the connection. */
    async stop(): Promise<void> {
      closing.abort();
      messages?.stop();
      await loop;
      await nc?.flush().catch(() => undefined);
      await nc?.close();
    },
    status() {
      return { connected, position, received, transport: 'nats' as const, stream, consumer: durable };
    },
    /** The gauge `websocket_consumer_pending_events`: events in the stream this instance has not acknowledged yet. */
    registerMetrics(registry: Registry): void {
      new Gauge({
        name: 'websocket_consumer_pending_events',
        help: 'JetStream consumer lag: ledger events not yet delivered to this instance, or delivered and not yet acknowledged',
        registers: [registry],
        async collect() {
          const asked = consumer?.info();
          const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), INFO_TIMEOUT_MS).unref());
          const info = asked && (await Promise.race([asked, timeout]).catch(() => undefined));
          this.set(info ? info.num_pending + info.num_ack_pending : lastPending);
        },
      });
    },
  };
}

export type NatsConsumer = ReturnType<typeof createNatsConsumer>;
