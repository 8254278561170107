/**
 * The NATS JetStream link between bank-core and the websocket service (docs/asyncapi.yaml).
 *
 * bank-core's relay publishes every ledger event to the stream `NATS_STREAM` (default BANK_EVENTS), on
 * the subject `<stream>.transaction.posted`; the stream holds the subjects `<stream>.>`. The subject is
 * derived from the stream's name so that two streams on one server (two deployments, or tests) never
 * claim the same subjects. The payload is one `TransactionPostedEvent` as JSON, the same as the SSE
 * feed's `data:` line. Headers:
 * - `Nats-Msg-Id`: the event id; JetStream drops a re-publish of it within the duplicate window.
 * - `Bank-Feed-Position`: the event's position in bank-core's feed (decimal; dense and increasing).
 * - `X-Request-Id`: bank-core's id of the HTTP request that moved the money (when there was one): the
 *   correlation id that ties the request's logs, this message and the websocket service's activity line.
 * - `traceparent` / `tracestate`: W3C trace context, when tracing is on.
 */
import { z } from 'zod';

export const DEFAULT_NATS_STREAM = 'BANK_EVENTS';

/** Stream names JetStream accepts, kept to characters that are safe in a subject token too. */
export const NATS_STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The subject a ledger event is published on. */
export const ledgerEventSubject = (stream: string) => `${stream}.transaction.posted`;

/** Every subject the stream captures. */
export const streamSubjects = (stream: string) => `${stream}.>`;

export const EVENT_LINK_HEADERS = {
  messageId: 'Nats-Msg-Id',
  feedPosition: 'Bank-Feed-Position',
  requestId: 'X-Request-Id',
} as const;

/**
 * The NATS settings both services read (in their config modules): NATS_URL, one or more comma-separated
 * `nats://` or `tls://` URLs (user and password may be in them: never log it), and NATS_STREAM.
 */
export const natsEnvSchema = {
  NATS_URL: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^(nats|tls)$/ })).min(1))
    .optional(),
  NATS_STREAM: z.string().regex(NATS_STREAM_NAME, 'letters, digits, _ and - only (1 to 64)').default(DEFAULT_NATS_STREAM),
};

/** The servers of a NATS URL list as they may be logged: host and port only, never credentials. */
export const natsServersForLog = (servers: readonly string[]) =>
  servers.map((server) => {
    const url = new URL(server);
    return `${url.protocol}//${url.host}`;
  });
