import { sqlState } from '../db/database';
import { AppError, type ErrorCode } from '../errors/app-error';

/** What a constraint violation means to the caller, keyed by SQLSTATE. */
export type ViolationMessages = Partial<Record<'23505' | '23503' | '23514', { code: ErrorCode; message: string }>>;

/**
 * Translates a known Postgres constraint violation into an AppError; anything else (including the
 * retryable 40001/40P01, which the transaction helper handles) is rethrown unchanged.
 */
export function translateDbError(error: unknown, messages: ViolationMessages): never {
  const state = sqlState(error) as keyof ViolationMessages | undefined;
  const mapped = state ? messages[state] : undefined;
  if (mapped) throw new AppError({ ...mapped, cause: error });
  throw error;
}

export const isUniqueViolation = (error: unknown): boolean => sqlState(error) === '23505';
