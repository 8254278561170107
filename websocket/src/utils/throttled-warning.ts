import type { Logger } from '@bank/common';

/**
 * A warning that a flood cannot turn into a flood of log lines: the first occurrence is logged at
 * once, later ones at most once per `intervalMs`, each with how many were left out since the last.
 */
export function createThrottledWarning(logger: Logger, message: string, intervalMs = 60_000) {
  let lastAt = -Infinity;
  let suppressed = 0;
  return (meta: Record<string, unknown> = {}): void => {
    const now = Date.now();
    if (now - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.warn(message, suppressed > 0 ? { ...meta, suppressed } : meta);
    lastAt = now;
    suppressed = 0;
  };
}
