/** Currencies an account may hold, with the number of minor units in one major unit. */
export const SUPPORTED_CURRENCIES = {
  NGN: { minorUnits: 100 },
  USD: { minorUnits: 100 },
  GBP: { minorUnits: 100 },
  EUR: { minorUnits: 100 },
} as const;

export type Currency = keyof typeof SUPPORTED_CURRENCIES;
export const CURRENCY_CODES = Object.keys(SUPPORTED_CURRENCIES) as [Currency, ...Currency[]];
export const DEFAULT_CURRENCY: Currency = 'NGN';
