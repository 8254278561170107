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
});

export type ActivityQuery = z.infer<typeof activityQuerySchema>;
