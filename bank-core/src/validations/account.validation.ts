import { z } from 'zod';
import { CURRENCY_CODES, DEFAULT_CURRENCY } from '../utils/currencies';
import { displayText } from './common.validation';

// Only the owner sees it, but it is shown on pages and statements like any other text.
const description = displayText({ max: 140 });

export const createAccountBody = z.strictObject({
  description: description.default(''),
  currency: z.enum(CURRENCY_CODES, { message: `One of ${CURRENCY_CODES.join(', ')}` }).default(DEFAULT_CURRENCY),
});

export const updateAccountBody = z.strictObject({ description });
