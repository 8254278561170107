import { z } from 'zod';

export const eventsQuery = z.strictObject({ after: z.string().max(64).optional() });

export const sessionCheckBody = z.strictObject({ sessionId: z.uuid(), userId: z.uuid() });
