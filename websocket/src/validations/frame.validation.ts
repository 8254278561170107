import { z } from 'zod';

const correlationId = z.string().min(1).max(128).optional();
// The same rule as the request-id middleware (common/src/request-id.ts): short and plain, safe in logs.
const requestId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'Must be 1 to 128 characters from A-Z a-z 0-9 . _ : -')
  .optional();
const conversationId = z.uuid({ message: 'Must be a conversation id (the customer user id)' });
/** A chat line: trimmed, 1 to 2,000 characters, shown as text (never as HTML). */
export const CHAT_TEXT_MAX = 2_000;
const chatText = z.string().trim().min(1, 'Required').max(CHAT_TEXT_MAX, `At most ${CHAT_TEXT_MAX} characters`);

/**
 * Every frame a client may send. `data` is any JSON value; its size is already capped by maxPayload.
 * `requestId` on an event names the bank-core request it is about (an API error's X-Request-Id).
 */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(8_192) }),
  z.strictObject({ type: z.literal('event.interaction'), data: z.json(), correlationId, requestId }),
  z.strictObject({ type: z.literal('event.error'), data: z.json(), correlationId, requestId }),
  z.strictObject({ type: z.literal('ping') }),
  // Support chat (protocol.md, "Support chat"): customers send and read their own conversation;
  // staff (admins) read the queue, take a conversation, reply and close it.
  z.strictObject({ type: z.literal('chat.send'), text: chatText, correlationId }),
  z.strictObject({ type: z.literal('chat.history'), conversationId: conversationId.optional(), correlationId }),
  z.strictObject({ type: z.literal('chat.queue'), correlationId }),
  z.strictObject({ type: z.literal('chat.take'), conversationId, correlationId }),
  z.strictObject({ type: z.literal('chat.reply'), conversationId, text: chatText, correlationId }),
  z.strictObject({ type: z.literal('chat.close'), conversationId, correlationId }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type ChatFrame = Extract<ClientFrame, { type: `chat.${string}` }>;

/** A correlation id from a frame that failed validation, so the error reply can still carry it. */
export function correlationIdOf(value: unknown): string | undefined {
  const candidate = (value as { correlationId?: unknown } | null)?.correlationId;
  return typeof candidate === 'string' && correlationId.safeParse(candidate).success ? candidate : undefined;
}
