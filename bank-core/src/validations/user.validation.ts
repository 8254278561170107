import { z } from 'zod';
import { accountNumber, cursor, displayText, limit, storableText } from './common.validation';

const name = displayText({ min: 1, max: 100, letterOrDigit: true });
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'Must be an email address' }));
/**
 * bcrypt reads only the first 72 bytes of a password, so a longer one would be accepted and then silently cut:
 * two passwords sharing those bytes would both open the account. New passwords are refused past 72 UTF-8 bytes
 * (72 ASCII characters; fewer with accented letters or emoji) rather than cut. Not normalized: a password is
 * compared exactly as typed.
 */
export const BCRYPT_MAX_BYTES = 72;
const password = storableText({
  min: 8,
  maxBytes: BCRYPT_MAX_BYTES,
  tooLong: `At most ${BCRYPT_MAX_BYTES} bytes in UTF-8 (bcrypt ignores the rest): ${BCRYPT_MAX_BYTES} ASCII characters, fewer with accented letters or emoji`,
});

export const signupBody = z.strictObject({ name, email, password });
export type SignupBody = z.infer<typeof signupBody>;

// Login checks only the shape: the rules above apply to new passwords, not to attempts, so a password set before
// them still logs in. An attempt is only hashed, never stored.
export const loginBody = z.strictObject({ email, password: z.string().min(1, 'Required').max(128) });

// Optional: a browser sends none and the refresh token comes from its httpOnly cookie instead.
export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200).optional() });

/** `X-Refresh-Token-Delivery: cookie` asks for the refresh token in an httpOnly cookie, not the body. */
export const refreshDeliveryHeaders = z.object({ 'x-refresh-token-delivery': z.enum(['cookie', 'body']).optional() });

export const updateUserBody = z
  .strictObject({
    name: name.optional(),
    email: email.optional(),
    password: password.optional(),
    currentPassword: z.string().min(1).max(128).optional(),
  })
  .refine((body) => body.name !== undefined || body.email !== undefined || body.password !== undefined, {
    message: 'Nothing to change: give name, email or password',
  });

export const listUsersQuery = z.strictObject({
  limit: limit(100, 20),
  cursor: cursor.optional(),
  // Staff look people up by what a customer tells them: the email (or its start) or an account number.
  email: displayText({ min: 1, max: 254 }).toLowerCase().optional(),
  accountNumber: accountNumber.optional(),
});

export const accountNumberParams = z.strictObject({ accountNumber });
