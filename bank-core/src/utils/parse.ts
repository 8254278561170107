import type { z } from 'zod';
import { AppError } from '../errors/app-error';

/**
 * Validates one part of a request against its zod schema.
 * @throws VALIDATION with one detail per offending field.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, part: 'body' | 'params' | 'query' | 'headers'): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new AppError({
    code: 'VALIDATION',
    message: `Invalid request ${part}`,
    details: result.error.issues.map((issue) => ({
      path: [part, ...issue.path.map(String)].join('.'),
      message: issue.message,
    })),
  });
}
