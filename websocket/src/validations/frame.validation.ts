import { displayText, isShowable, UNSHOWABLE_MESSAGE, UNSHOWABLE_MESSAGE_LINES } from '@bank/common';
import { z } from 'zod';

const correlationId = z.string().min(1).max(128).optional();
// The same rule as the request-id middleware (common/src/request-id.ts): short and plain, safe in logs.
const requestId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'Must be 1 to 128 characters from A-Z a-z 0-9 . _ : -')
  .optional();
const conversationId = z.uuid({ message: 'Must be a conversation id (the customer user id)' });
/**
 * A chat line: bank-core's rule for text another person reads (common/src/display-text.ts: NFC, trimmed, no
 * control, bidi or invisible formatting characters), line feeds allowed; 1 to 2,000 characters, shown as text.
 */
export const CHAT_TEXT_MAX = 2_000;
const chatText = displayText({ min: 1, max: CHAT_TEXT_MAX, lineBreaks: true });

/** How deep a frame's JSON may nest (the frame itself is level 1); deeper frames are refused before validation. */
export const MAX_FRAME_DEPTH = 32;

/**
 * Whether `value` nests arrays/objects deeper than `max` levels. Iterative, so a frame nested thousands of
 * levels deep (which would overflow the stack of a recursive validator) is measured safely.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * A report's data (staff read it in the console): any JSON whose strings, keys included, follow the display
 * rule with line feeds allowed (a stack trace keeps its lines; a bidi override or NUL is refused).
 */
const reportData = z.json().superRefine((value, ctx) => {
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length) {
    const [item, path] = stack.pop()!;
    if (typeof item === 'string') {
      if (!isShowable(item, { lineBreaks: true })) ctx.addIssue({ code: 'custom', path, message: UNSHOWABLE_MESSAGE_LINES });
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (!isShowable(key)) ctx.addIssue({ code: 'custom', path, message: `A key: ${UNSHOWABLE_MESSAGE}` });
        stack.push([child, [...path, Array.isArray(item) ? Number(key) : key]]);
      }
    }
  }
});

/**
 * Every frame a client may send. `data` is any JSON value (see reportData); its size is already capped by
 * maxPayload and its depth by MAX_FRAME_DEPTH (checked before this schema).
 * `requestId` on an event names the bank-core request it is about (an API error's X-Request-Id).
 */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), token: z.string().min(1).max(8_192) }),
  z.strictObject({ type: z.literal('event.interaction'), data: reportData, correlationId, requestId }),
  z.strictObject({ type: z.literal('event.error'), data: reportData, correlationId, requestId }),
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
