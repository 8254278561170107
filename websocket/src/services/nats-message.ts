import { propagation, ROOT_CONTEXT, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/transport-node';
import { EVENT_LINK_HEADERS, type TransactionPostedEvent } from '@bank/common';
import { transactionPostedEventSchema } from '../validations/ledger-event.validation';

/** A position of bank-core's feed as the relay writes it: a non-negative BIGINT in decimal. */
const FEED_POSITION = /^(0|[1-9]\d{0,18})$/;
// An event is a few hundred bytes; a message much larger than this is not one of ours.
const MAX_PAYLOAD_BYTES = 256 * 1024;

const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => carrier?.keys() ?? [],
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

export type DecodedMessage =
  | { ok: true; event: TransactionPostedEvent; feedPosition: string | undefined; trace: Context }
  | { ok: false; reason: string; issues?: unknown };

/**
 * Reads one message of the JetStream link (docs/asyncapi.yaml): the payload must be a TransactionPostedEvent
 * (the same zod schema as the SSE feed's events), the Bank-Feed-Position header a position when present.
 * The W3C trace context in the headers is extracted (a no-op context while tracing is off). Never throws.
 */
export function decodeLinkMessage(data: Uint8Array, headers: MsgHdrs | undefined): DecodedMessage {
  if (data.byteLength > MAX_PAYLOAD_BYTES) return { ok: false, reason: 'payload too large' };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = transactionPostedEventSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'payload does not match the event contract', issues: parsed.error.issues };
  const position = headers?.has(EVENT_LINK_HEADERS.feedPosition) ? headers.get(EVENT_LINK_HEADERS.feedPosition) : undefined;
  if (position !== undefined && !FEED_POSITION.test(position)) return { ok: false, reason: 'Bank-Feed-Position is not a position' };
  const messageId = headers?.has(EVENT_LINK_HEADERS.messageId) ? headers.get(EVENT_LINK_HEADERS.messageId) : undefined;
  if (messageId !== undefined && messageId !== parsed.data.eventId) return { ok: false, reason: 'Nats-Msg-Id is not the event id' };
  return { ok: true, event: parsed.data, feedPosition: position, trace: propagation.extract(ROOT_CONTEXT, headers, headerGetter) };
}
