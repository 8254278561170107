import { z } from 'zod';

export const idParams = z.strictObject({ id: z.uuid({ message: 'Must be a UUID' }) });

export const accountNumber = z.string().regex(/^[0-9]{10}$/, 'Must be 10 digits');

/** Opaque keyset cursor: base64url of JSON `[createdAtIso, id]`. */
export const cursor = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    try {
      const [createdAt, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [string, string];
      const date = new Date(createdAt);
      if (Number.isNaN(date.getTime()) || !z.uuid().safeParse(id).success) throw new Error('bad cursor');
      return { createdAt: date, id };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Invalid cursor' });
      return z.NEVER;
    }
  });

export function encodeCursor(item: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([item.createdAt.toISOString(), item.id])).toString('base64url');
}

export const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
