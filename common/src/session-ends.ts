import { z } from 'zod';
import type { Logger } from './logger';
import type { RedisClient } from './redis';

/** The Redis pub/sub channel on which bank-core announces ended sessions to every instance of both services. */
export const SESSION_ENDS_CHANNEL = 'bank:session-ends';

/**
 * One message on SESSION_ENDS_CHANNEL (JSON). `sessionId` (a login session: a refresh-token family) names
 * one session; without it the change is about every session of `userId`. `reason`:
 *   logout, token-reuse             that one session has ended;
 *   password-change, user-deleted   every session of the user has ended;
 *   role-change                     the user's sessions live on with another role: ask bank-core again.
 * `at` is when bank-core published it (ms since the epoch), for measuring the delay.
 * A message can only take access away (drop a cache, close a socket), never grant it, so a forged one
 * costs a logout at worst.
 */
export const sessionEndSchema = z.strictObject({
  v: z.literal(1),
  userId: z.uuid(),
  sessionId: z.uuid().optional(),
  reason: z.enum(['logout', 'token-reuse', 'password-change', 'user-deleted', 'role-change']),
  at: z.number().int().positive(),
});

export type SessionEnd = z.infer<typeof sessionEndSchema>;
export type SessionEndNotice = Omit<SessionEnd, 'v' | 'at'>;

/**
 * Announces a committed session end. Never throws: the change is already committed and each instance
 * also finds it on its own (bank-core through PostgreSQL's NOTIFY and its cache lifetime, the websocket
 * service through its periodic session re-check), so a failed publish is logged and costs only speed.
 */
export function createSessionEndPublisher({ client, logger }: { client: RedisClient; logger: Logger }) {
  return async (notice: SessionEndNotice): Promise<void> => {
    const message: SessionEnd = { v: 1, ...notice, at: Date.now() };
    try {
      await client.publish(SESSION_ENDS_CHANNEL, JSON.stringify(message));
    } catch (error) {
      logger.warn('session end not published to redis', { reason: notice.reason, error: (error as Error).message });
    }
  };
}

export type SessionEndPublisher = ReturnType<typeof createSessionEndPublisher>;

export interface SessionEndHandlers {
  /** A valid message. */
  ended(end: SessionEnd): void;
  /**
   * The subscription is (again) in place. Messages published while it was not are lost, so a caller that
   * trusts cached state only while subscribed checks everything again here.
   */
  subscribed?(): void;
  /** The connection is lost: stop trusting cached state until `subscribed`. */
  lost?(): void;
}

/**
 * Subscribes `client` (a connection of its own: a subscribed Redis connection runs no other commands) to
 * SESSION_ENDS_CHANNEL. Messages that are not valid JSON of sessionEndSchema are dropped and counted in
 * one warning per minute. @returns a function that unsubscribes.
 */
export function subscribeSessionEnds({
  client,
  logger,
  handlers,
}: {
  client: RedisClient;
  logger: Logger;
  handlers: SessionEndHandlers;
}): () => Promise<void> {
  let invalid = 0;
  let lastWarning = 0;
  const listener = (text: string) => {
    const parsed = sessionEndSchema.safeParse(parseJson(text));
    if (parsed.success) return handlers.ended(parsed.data);
    invalid += 1;
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn('invalid session-end messages dropped', { count: invalid });
    invalid = 0;
  };
  const subscribe = () =>
    client
      .subscribe(SESSION_ENDS_CHANNEL, listener)
      .then(() => handlers.subscribed?.())
      .catch(() => undefined); // not connected yet: 'ready' subscribes when it is
  // node-redis subscribes again by itself after a reconnect; 'ready' tells us the connection is back.
  let wasReady = false;
  const onReady = () => {
    if (!wasReady) void subscribe();
    else handlers.subscribed?.();
    wasReady = true;
  };
  const onLost = () => handlers.lost?.();
  client.on('ready', onReady);
  client.on('error', onLost);
  client.on('reconnecting', onLost);
  if (client.isReady) onReady();
  return async () => {
    client.off('ready', onReady);
    client.off('error', onLost);
    client.off('reconnecting', onLost);
    await client.unsubscribe(SESSION_ENDS_CHANNEL, listener).catch(() => undefined);
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
