import { z } from 'zod';
import { CURRENCY_CODES, DEFAULT_CURRENCY } from '../utils/currencies';

const description = z.string().trim().max(140, 'At most 140 characters');

export const createAccountBody = z.strictObject({
  description: description.default(''),
  currency: z.enum(CURRENCY_CODES, { message: `One of ${CURRENCY_CODES.join(', ')}` }).default(DEFAULT_CURRENCY),
});

export const updateAccountBody = z.strictObject({ description });
