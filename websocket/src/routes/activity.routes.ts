import { Router, type RequestHandler } from 'express';
import { listActivity } from '../controllers/activity.controller';
import type { ActivityReader } from '../services/activity-reader.service';

export function activityRoutes({
  authenticated,
  readers,
}: {
  authenticated: RequestHandler;
  readers: { interactions: ActivityReader; errors: ActivityReader };
}): Router {
  return Router()
    .get('/interactions', authenticated, listActivity(readers.interactions))
    .get('/errors', authenticated, listActivity(readers.errors));
}
