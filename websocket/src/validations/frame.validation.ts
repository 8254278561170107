import { z } from 'zod';

const correlationId = z.string().min(1).max(128).optional();

/** Every frame a client may send. `data` is any JSON value; its size is already capped by maxPayload. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(8_192) }),
  z.strictObject({ type: z.literal('event.interaction'), data: z.json(), correlationId }),
  z.strictObject({ type: z.literal('event.error'), data: z.json(), correlationId }),
  z.strictObject({ type: z.literal('ping') }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** A correlation id from a frame that failed validation, so the error reply can still carry it. */
export function correlationIdOf(value: unknown): string | undefined {
  const candidate = (value as { correlationId?: unknown } | null)?.correlationId;
  return typeof candidate === 'string' && correlationId.safeParse(candidate).success ? candidate : undefined;
}
