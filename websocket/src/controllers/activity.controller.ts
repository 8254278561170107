import type { RequestHandler } from 'express';
import { AppError, issuesToDetails } from '../errors/app-error';
import { caller } from '../middlewares/authenticate.middleware';
import type { ActivityReader } from '../services/activity-reader.service';
import { activityQuerySchema } from '../validations/activity.validation';

/**
 * One page of an activity file: a customer sees only their own lines, an admin everyone's or, with
 * `userId`, one user's. A customer asking for someone else's lines is refused (403).
 * `format=text` answers the same page as JSON lines in text/plain, with the cursor in X-Next-Cursor.
 */
export function listActivity(reader: ActivityReader): RequestHandler {
  return async (req, res) => {
    const parsed = activityQuerySchema.safeParse(req.query, { reportInput: true });
    if (!parsed.success) {
      throw new AppError({ code: 'VALIDATION', message: 'Invalid request query', details: issuesToDetails('query', parsed.error.issues) });
    }
    const { limit, cursor, format, userId } = parsed.data;
    const auth = caller(req);
    if (auth.role !== 'admin' && userId !== undefined && userId !== auth.userId) {
      throw new AppError({ code: 'FORBIDDEN', message: "Only staff may read another user's lines" });
    }
    const page = await reader.page({ userId: auth.role === 'admin' ? userId : auth.userId, limit, cursor });
    res.setHeader('Cache-Control', 'no-store');
    if (format === 'text') {
      if (page.nextCursor) res.setHeader('X-Next-Cursor', page.nextCursor);
      res.type('text/plain').send(page.items.map((item) => `${JSON.stringify(item)}\n`).join(''));
      return;
    }
    res.json(page);
  };
}
