import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TransactionPostedEvent } from '@bank/common';
import { openSse, type SseEvent } from './sse-client';
import type { TestApp } from './test-app';

/** A test app listening on a loopback port, with a service token for its event feed. */
export interface FeedHost {
  t: TestApp;
  /** The service token's header, for requests of one's own. */
  serviceAuth: Record<string, string>;
  /** Opens `GET /internal/events` (after `lastEventId` when given); stopped by `close`. */
  follow(lastEventId?: string, options?: { headers?: Record<string, string>; query?: string }): ReturnType<typeof openSse>;
  close(): Promise<void>;
}

export async function listenForFeed(t: TestApp): Promise<FeedHost> {
  const server: Server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/events`;
  const serviceAuth = { Authorization: `Bearer ${t.services.serviceTokens.sign('websocket')}` };
  const streams: { stop(): void }[] = [];
  return {
    t,
    serviceAuth,
    async follow(lastEventId, { headers = {}, query = '' } = {}) {
      const resume: Record<string, string> = lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId };
      const stream = await openSse(`${url}${query}`, { ...serviceAuth, ...resume, ...headers });
      streams.push(stream);
      return stream;
    },
    async close() {
      streams.forEach((stream) => stream.stop());
      t.services.feed.close();
      await new Promise((resolve) => server.close(resolve));
      await t.close();
    },
  };
}

export const eventOf = (sse: SseEvent) => JSON.parse(sse.data) as TransactionPostedEvent;

/**
 * What a reader got wrong, as readable lines (empty when all is well): positions not consecutive,
 * an event twice, or an account whose balance-after does not follow from its previous event (events
 * out of commit order). `opening` gives each account's balance before the first event read.
 */
export function feedViolations(events: SseEvent[], opening: Map<string, number>): string[] {
  const violations: string[] = [];
  const seen = new Set<string>();
  const balances = new Map(opening);
  events.forEach((sse, i) => {
    if (i > 0 && BigInt(sse.id!) !== BigInt(events[i - 1]!.id!) + 1n) violations.push(`position ${sse.id} after ${events[i - 1]!.id}`);
    const event = eventOf(sse);
    if (seen.has(event.eventId)) violations.push(`event ${event.eventId} twice`);
    seen.add(event.eventId);
    for (const leg of event.legs) {
      const before = balances.get(leg.accountId);
      if (before !== undefined && before + leg.amount !== leg.balanceAfter) {
        violations.push(
          `account ${leg.accountId}: ${before} ${leg.amount >= 0 ? '+' : '-'} ${Math.abs(leg.amount)} but balance after ${leg.balanceAfter}`,
        );
      }
      balances.set(leg.accountId, leg.balanceAfter);
    }
  });
  return violations;
}
