import type { Request, Response } from 'express';
import { LEDGER_EVENT_NAME } from '@bank/common';
import type { EventFeed } from '../services/event-feed.service';
import type { SessionGuard } from '../services/session-guard';
import { parse } from '../utils/parse';
import { eventsQuery, sessionCheckBody } from '../validations/internal.validation';

// Comment lines keep proxies and the reader's idle timer from closing a quiet stream.
const KEEPALIVE_MS = 15_000;

/** Endpoints for other services of this system, behind a service token. */
export function createInternalController({ feed, sessionGuard }: { feed: EventFeed; sessionGuard: SessionGuard }) {
  return {
    /** Server-Sent Events: every committed money transaction after the reader's position. */
    events: async (req: Request, res: Response) => {
      const { after } = parse(eventsQuery, req.query, 'query');
      const header = req.get('last-event-id');
      const given =
        header !== undefined
          ? { value: header, path: 'headers.last-event-id' }
          : after !== undefined
            ? { value: after, path: 'query.after' }
            : undefined;
      const start = await feed.startingPosition(given);

      const stop = new AbortController();
      res.on('close', () => stop.abort());
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        'X-Accel-Buffering': 'no',
      });
      res.write(`retry: 2000\nid: ${start}\n\n`);
      const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
      try {
        for await (const batch of feed.read(start, stop.signal)) {
          const frames = batch.map(
            ({ position, event }) => `id: ${position}\nevent: ${LEDGER_EVENT_NAME}\ndata: ${JSON.stringify(event)}\n\n`,
          );
          res.write(frames.join(''));
        }
      } finally {
        clearInterval(keepalive);
        res.end();
      }
    },

    checkSession: async (req: Request, res: Response) => {
      const { sessionId, userId } = parse(sessionCheckBody, req.body, 'body');
      const access = await sessionGuard.access(sessionId, userId);
      res.json(access.active ? { active: true, role: access.role } : { active: false });
    },
  };
}
