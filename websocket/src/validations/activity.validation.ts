import { z } from 'zod';

export const activityQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'Invalid cursor')
    .optional(),
  format: z.enum(['json', 'text']).default('json'),
  // Staff narrow to one customer (the console); a customer's own lines are theirs already.
  userId: z.uuid({ message: 'Must be a user id' }).optional(),
});

export type ActivityQuery = z.infer<typeof activityQuerySchema>;
