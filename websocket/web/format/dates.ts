// Dates and times in the customer's own locale and time zone.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export const formatDateTime = (iso: string | Date) => dateTime.format(new Date(iso));
export const formatDate = (iso: string | Date) => dateOnly.format(new Date(iso));
export const formatTime = (iso: string | Date) => timeOnly.format(new Date(iso));

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A chart axis label for the instant `at` (epoch ms) on an axis spanning `spanMs`: the time alone within a day
 * (every point of a new account's history is on the same date), date and time within a week, else the date.
 */
export function axisLabel(at: number, spanMs: number): string {
  if (spanMs < DAY_MS) return formatTime(new Date(at));
  if (spanMs < 7 * DAY_MS) return formatDateTime(new Date(at));
  return formatDate(new Date(at));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A Date as an `<input type="date">` value (YYYY-MM-DD) in local time. */
export const toDateInput = (date: Date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

/**
 * The start of a local calendar day (`YYYY-MM-DD` from a date input) as an ISO instant; with
 * `nextDay`, the start of the day after, so a range "from day A to day B" includes all of day B.
 */
export function dayStart(value: string, nextDay = false): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + (nextDay ? 1 : 0)).toISOString();
}

/** The first day of this month and today, for date inputs: a sensible default statement period. */
export function thisMonth(now = new Date()): { from: string; to: string } {
  return { from: toDateInput(new Date(now.getFullYear(), now.getMonth(), 1)), to: toDateInput(now) };
}
