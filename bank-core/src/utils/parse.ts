import type { z } from 'zod';
import { issuesToDetails } from '@bank/common';
import { AppError, type FieldIssue } from '../errors/app-error';
import { UNSTORABLE_MESSAGE, isStorable } from '../validations/common.validation';

type Part = 'body' | 'params' | 'query' | 'headers';

/**
 * Every string anywhere in a URL part (query values, repeated keys' arrays, path parameters, headers) that
 * PostgreSQL could not store as sent: a NUL, or an unpaired surrogate. Checked before any schema, so no
 * query or path parameter (today's or one added later with a loose schema) can reach the database with one.
 */
function unstorable(value: unknown, path: string[]): FieldIssue[] {
  if (typeof value === 'string') return isStorable(value) ? [] : [{ path: path.join('.'), message: UNSTORABLE_MESSAGE }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    isStorable(key) ? unstorable(inner, [...path, key]) : [{ path: path.join('.'), message: UNSTORABLE_MESSAGE }],
  );
}

/**
 * Validates one part of a request against its zod schema. A missing field is reported as "Required"
 * (issuesToDetails), so `amount` missing does not say "Must be an integer", nor zod's "expected string".
 * @throws VALIDATION with one detail per offending field.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, part: Part): z.infer<S> {
  const unsafe = part === 'body' ? [] : unstorable(value, [part]);
  if (unsafe.length > 0) throw new AppError({ code: 'VALIDATION', message: `Invalid request ${part}`, details: unsafe });
  const result = schema.safeParse(value ?? {}, { reportInput: true });
  if (result.success) return result.data;
  throw new AppError({
    code: 'VALIDATION',
    message: `Invalid request ${part}`,
    details: issuesToDetails(part, result.error.issues),
  });
}
