import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, createServiceTokens, LEDGER_EVENT_NAME, type TransactionPostedEvent } from '@bank/common';
import { TEST_JWT } from './tokens';

/**
 * A stand-in for bank-core's internal endpoints, per the contract in common/src/ledger-events.ts:
 * `GET /internal/events` (SSE with ids, resume via Last-Event-ID or ?after=, keepalive comments)
 * and `POST /internal/sessions/check`. Both demand a service token, as bank-core does. `GET /readyz`
 * answers 200 without one, as bank-core's does. `port` 0 picks a free port; `feedStatus` other than
 * 200 makes the feed refuse every connection with that status (a bank-core that answers but refuses).
 * Any other path answers 404 (enough for the page's forwarded /api calls). `setDown(true)` makes it cut
 * every request without an answer, as a bank-core that cannot answer would; `arrivals` lists the paths
 * of the requests that reached it, answered or cut.
 */
export async function startFakeBankCore({
  keepaliveMs = 1_000,
  port: requestedPort = 0,
  feedStatus = 200,
}: { keepaliveMs?: number; port?: number; feedStatus?: number } = {}) {
  const serviceTokens = createServiceTokens(TEST_JWT);
  const log: { id: string; event: TransactionPostedEvent }[] = [];
  const streams = new Set<ServerResponse>();
  const revoked = new Set<string>();
  /** Users whose current role is admin (bank-core reports the role with every live session). */
  const admins = new Set<string>();
  /** The resume position each feed connection asked for (undefined: from the start). */
  const feedRequests: (string | undefined)[] = [];
  let sessionsDown = false;
  let down = false;
  const arrivals: string[] = [];

  const frame = (entry: { id: string; event: TransactionPostedEvent }) =>
    `id: ${entry.id}\nevent: ${LEDGER_EVENT_NAME}\ndata: ${JSON.stringify(entry.event)}\n\n`;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    arrivals.push(url.pathname);
    if (down) {
      req.socket.destroy();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/readyz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready","database":"fake"}');
      return;
    }
    if (!url.pathname.startsWith('/internal/')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND"}}');
      return;
    }
    if (serviceTokens.verify(bearerToken(req.headers.authorization)) !== 'websocket') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"UNAUTHORIZED"}}');
      return;
    }
    if (req.method === 'POST' && url.pathname === '/internal/sessions/check') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (sessionsDown) {
          res.writeHead(503).end();
          return;
        }
        const { sessionId, userId } = JSON.parse(body) as { sessionId: string; userId: string };
        const answer = revoked.has(sessionId) ? { active: false } : { active: true, role: admins.has(userId) ? 'admin' : 'customer' };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/internal/events') {
      const after = (req.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('after') ?? undefined;
      feedRequests.push(after);
      if (feedStatus !== 200) {
        res.writeHead(feedStatus, { 'content-type': 'application/json' }).end('{"error":{"code":"SERVICE_UNAVAILABLE"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      // As bank-core does: without a position the stream starts at the current end of the feed,
      // announced as a data-less `id:` block; with one, everything after it is replayed first.
      const from = after === undefined ? log.length : log.findIndex((entry) => entry.id === after) + 1;
      res.write(`retry: 2000\nid: ${log[from - 1]?.id ?? 'pos-000000'}\n\n`);
      res.write(log.slice(from).map(frame).join(''));
      streams.add(res);
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), keepaliveMs);
      res.on('close', () => {
        clearInterval(keepalive);
        streams.delete(res);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(requestedPort, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    feedRequests,
    /** Appends an event to the feed (a redelivery is the same event published again) and returns its position. */
    publish(event: TransactionPostedEvent): string {
      const entry = { id: `pos-${String(log.length + 1).padStart(6, '0')}`, event };
      log.push(entry);
      for (const stream of streams) stream.write(frame(entry));
      return entry.id;
    },
    /** Makes `userId` an admin (true) or a customer again (false), as make-admin does in bank-core. */
    setAdmin(userId: string, admin: boolean) {
      if (admin) admins.add(userId);
      else admins.delete(userId);
    },
    revoke(sessionId: string) {
      revoked.add(sessionId);
    },
    setSessionsDown(value: boolean) {
      sessionsDown = value;
    },
    /** true: every request is cut without an answer (and open feed streams too); false: answers again. */
    setDown(value: boolean) {
      down = value;
      if (value) for (const stream of streams) stream.destroy();
    },
    arrivals,
    /** Cuts every open feed connection, as a bank-core restart would. */
    dropFeedConnections() {
      for (const stream of streams) stream.destroy();
    },
    get openFeedConnections() {
      return streams.size;
    },
    async close() {
      for (const stream of streams) stream.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeBankCore = Awaited<ReturnType<typeof startFakeBankCore>>;

/** A loopback port that was free a moment ago: for a server that must start after its clients know its address. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let sequence = 0;
/** A ledger event per the contract; legs default to a transfer between two users. */
export function transferEvent(
  from: { userId: string; accountId?: string },
  to: { userId: string; accountId?: string },
  amount = 2_500,
): TransactionPostedEvent {
  sequence += 1;
  return {
    eventId: `evt-${sequence}-${Math.random().toString(36).slice(2)}`,
    type: 'transaction.posted',
    transactionId: `txn-${sequence}`,
    transactionType: 'transfer',
    currency: 'NGN',
    narration: 'rent',
    requestId: `req-${sequence}`,
    createdAt: new Date().toISOString(),
    legs: [
      {
        accountId: from.accountId ?? `acc-${from.userId}`,
        accountNumber: '1000000001',
        userId: from.userId,
        amount: -amount,
        balanceAfter: 10_000 - amount,
        counterparty: { accountNumber: '1000000002', name: 'To' },
      },
      {
        accountId: to.accountId ?? `acc-${to.userId}`,
        accountNumber: '1000000002',
        userId: to.userId,
        amount,
        balanceAfter: amount,
        counterparty: { accountNumber: '1000000001', name: 'From' },
      },
    ],
  };
}
