import CircuitBreaker from 'opossum';
import type { Logger } from '@bank/common';

/** `half-open`: the breaker lets one trial call through to learn whether bank-core is back. */
export type BreakerState = 'closed' | 'half-open' | 'open';

/** The value `websocket_bank_core_breaker_state` reports for each state. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Thrown by `run` when the breaker is open: the call was not made. */
export class BankCoreUnavailableError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('bank-core circuit breaker is open');
    this.name = 'BankCoreUnavailableError';
  }
}

// Opens when more than half of the calls in the last 10 s failed, once at least 3 were made there: one
// refused connection does not open it, a bank-core that stopped answering opens it within a few calls.
const ERROR_THRESHOLD_PERCENT = 50;
const VOLUME_THRESHOLD = 3;
const ROLLING_WINDOW_MS = 10_000;
// The half-open probe of /readyz, as the feed consumer probes it.
const PROBE_TIMEOUT_MS = 3_000;

/**
 * One circuit breaker (opossum) for every call this service makes to bank-core on a client's behalf:
 * session checks and the page's forwarded /api calls. Each call brings its own timeout, so the breaker
 * sets none. While it is open calls fail at once with BankCoreUnavailableError; after `resetMs` it
 * turns half-open and probes bank-core's `/readyz` itself (so it closes as soon as bank-core answers,
 * without waiting for a client to be the trial), closing on a 200 and opening again otherwise.
 * The event feed is not behind it: it is one long-lived stream with its own /readyz probe and backoff.
 */
export function createBankCoreBreaker({ bankCoreUrl, resetMs, logger }: { bankCoreUrl: string; resetMs: number; logger: Logger }) {
  const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
    name: 'bank-core',
    timeout: false,
    errorThresholdPercentage: ERROR_THRESHOLD_PERCENT,
    volumeThreshold: VOLUME_THRESHOLD,
    rollingCountTimeout: ROLLING_WINDOW_MS,
    resetTimeout: resetMs,
  });
  const listeners = new Set<(state: BreakerState) => void>();
  // When the outage began (first opening since the breaker was last closed), and when it last (re)opened.
  let outageSince: number | undefined;
  let lastOpenedAt = 0;

  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');
  const notify = () => {
    const now = state();
    for (const listener of listeners) listener(now);
  };

  breaker.on('open', () => {
    lastOpenedAt = Date.now();
    if (outageSince === undefined) {
      outageSince = lastOpenedAt;
      logger.warn('bank-core circuit breaker opened: calls to bank-core fail fast', { retryInMs: resetMs });
    }
    notify();
  });
  breaker.on('halfOpen', () => {
    notify();
    probe().catch(() => undefined);
  });
  breaker.on('close', () => {
    logger.info('bank-core circuit breaker closed: bank-core answers again', { outageMs: Date.now() - (outageSince ?? Date.now()) });
    outageSince = undefined;
    notify();
  });

  async function run<T>(call: () => Promise<T>): Promise<T> {
    let ran = false;
    try {
      return (await breaker.fire(() => {
        ran = true;
        return call();
      })) as T;
    } catch (error) {
      if (!ran) throw new BankCoreUnavailableError(retryAfterSeconds());
      throw error;
    }
  }

  async function probe(): Promise<void> {
    await run(async () => {
      const response = await fetch(`${bankCoreUrl}/readyz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`bank-core /readyz answered ${response.status}`);
    });
  }

  /** Seconds until the breaker next lets a call through (at least 1): a client's Retry-After. */
  function retryAfterSeconds(): number {
    if (state() !== 'open') return 1;
    return Math.max(1, Math.ceil((lastOpenedAt + resetMs - Date.now()) / 1000));
  }

  return {
    /**
     * Makes one call to bank-core through the breaker; the call must reject when bank-core could not
     * answer (unreachable, timed out, a 5xx), which counts towards opening it.
     * @throws BankCoreUnavailableError when the breaker is open (the call was not made); else what `call` throws.
     */
    run,
    get state(): BreakerState {
      return state();
    },
    retryAfterSeconds,
    /** Calls `listener` with the new state on every change (the gauge, the grace given to open sockets). */
    onChange(listener: (state: BreakerState) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Stops the breaker's timers; later calls fail. */
    stop(): void {
      listeners.clear();
      breaker.shutdown();
    },
  };
}

export type BankCoreBreaker = ReturnType<typeof createBankCoreBreaker>;
