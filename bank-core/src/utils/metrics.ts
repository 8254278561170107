import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { CURRENCY_CODES } from './currencies';

/** The kinds of posting the ledger accepts: the `kind` label of the posting metrics. */
export const POSTING_KINDS = ['transfer', 'deposit', 'withdrawal', 'reversal'] as const;
export type PostingKind = (typeof POSTING_KINDS)[number];

/** One committed posting, as the metrics count it. */
export interface Posting {
  kind: PostingKind;
  /** ISO 4217 code; anything outside utils/currencies.ts is counted as `other` (bounded labels). */
  currency: string;
  /** Minor units, > 0. */
  amount: number;
}

const currencyLabel = (currency: string): string => ((CURRENCY_CODES as readonly string[]).includes(currency) ? currency : 'other');

/**
 * bank-core's Prometheus registry, one per app (tests build many apps without metric-name clashes):
 * Node process metrics, HTTP requests (count and duration per method, route pattern and status), and
 * the business figures: postings accepted and their amounts (by kind and currency), refusals (by error
 * code). Every label takes its values from a closed list, so the number of series stays bounded.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests', labelNames, registers: [registry] });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const postingLabels = ['kind', 'currency'] as const;
  const transfers = new Counter({
    name: 'bank_transfers_total',
    help: 'Postings accepted by the ledger (committed; a replayed Idempotency-Key is not counted again)',
    labelNames: postingLabels,
    registers: [registry],
  });
  const amounts = new Counter({
    name: 'bank_amount_minor_units_total',
    help: 'Sum of the amounts of accepted postings, in minor units of their currency',
    labelNames: postingLabels,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'bank_refusals_total',
    help: 'Requests refused with a client error (4xx), by error code',
    labelNames: ['reason'],
    registers: [registry],
  });
  // Every known series from zero, so a first posting shows up in rate() and increase() at once.
  for (const kind of POSTING_KINDS) {
    for (const currency of CURRENCY_CODES) {
      transfers.inc({ kind, currency }, 0);
      amounts.inc({ kind, currency }, 0);
    }
  }

  return {
    registry,
    /** One HTTP request, answered with `status` after `seconds`; `route` is the route pattern, never the raw path. */
    observe(method: string, route: string, status: number, seconds: number) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      durations.observe(labels, seconds);
    },
    /** One posting committed by the ledger. */
    countPosting({ kind, currency, amount }: Posting) {
      const labels = { kind, currency: currencyLabel(currency) };
      transfers.inc(labels);
      amounts.inc(labels, amount);
    },
    /** Sets the refusal counters of these error codes to zero, so they are scraped before the first refusal. */
    knowRefusals(reasons: readonly string[]) {
      for (const reason of reasons) refusals.inc({ reason }, 0);
    },
    /** One request refused; `reason` is an error code (a closed union), never free text. */
    countRefusal(reason: string) {
      refusals.inc({ reason });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
