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

export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) });

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

export const listUsersQuery = z.strictObject({ limit: limit(100, 20), cursor: cursor.optional() });

export const accountNumberParams = z.strictObject({ accountNumber });
