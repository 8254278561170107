import { jetstreamManager, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import { nanos, NoRespondersError, type NatsConnection } from '@nats-io/transport-node';
import { streamSubjects } from '@bank/common';

/**
 * How long JetStream remembers a message id and drops a re-publish of it. A re-publish happens only when a
 * relay dies after JetStream's acks and before its position was saved (normally one batch, saved right after
 * its acks; more only while the database refuses the saves), and is sent by the next relay: a standby takes
 * over within about a second, a restarted process within seconds. Ten minutes covers a slow restart with a
 * wide margin, for one small index entry per event in it (at 1,000 events/s, 600,000 entries: tens of MB of
 * the server's memory). A repeat sent later is stored again; the websocket service still drops it by event id.
 */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
/**
 * How long the stream keeps events. Consumers are live sockets, not archives (the ledger is the record):
 * a week lets a websocket instance stopped for days resume where it stopped.
 */
export const STREAM_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** Whether `error` (or one of its causes) says the stream does not exist (deleted, or lost by the server). */
export function isMissingStream(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof NoRespondersError) return true;
    if (current instanceof JetStreamApiError && current.code === JetStreamApiCodes.StreamNotFound) return true;
  }
  return false;
}

/**
 * Creates the stream when it is missing: file storage, limits retention (old events expire after
 * STREAM_MAX_AGE_MS; consumers do not remove them), DUPLICATE_WINDOW_MS of de-duplication. Several
 * instances may call it at once (adding an identical stream succeeds). An existing stream is left as it
 * is (an operator may have tuned it).
 * @throws the JetStream error when the server refuses or cannot be reached.
 */
export async function ensureStream(nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(stream);
    return;
  } catch (error) {
    if (!isMissingStream(error)) throw error;
  }
  await jsm.streams.add({
    name: stream,
    subjects: [streamSubjects(stream)],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(STREAM_MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  });
}
