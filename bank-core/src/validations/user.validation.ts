import { z } from 'zod';
import { accountNumber, cursor, limit } from './common.validation';

const name = z.string().trim().min(1, 'Required').max(100);
const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: 'Must be an email address' }));
const password = z.string().min(8, 'At least 8 characters').max(128, 'At most 128 characters');

export const signupBody = z.strictObject({ name, email, password });
export type SignupBody = z.infer<typeof signupBody>;

// Login checks only the shape: length rules apply to new passwords, not to attempts.
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
  email: z.string().trim().toLowerCase().min(1).max(254).optional(),
  accountNumber: accountNumber.optional(),
});

export const accountNumberParams = z.strictObject({ accountNumber });
