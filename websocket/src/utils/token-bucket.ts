/**
 * A token bucket: `burst` messages at once, refilled at `ratePerSecond`. One per socket, so a
 * flooding client is slowed without touching anyone else.
 */
export function createTokenBucket({
  ratePerSecond,
  burst,
  now = () => performance.now(),
}: {
  ratePerSecond: number;
  burst: number;
  now?: () => number;
}) {
  let tokens = burst;
  let last = now();
  return {
    /** Takes one token; false when the bucket is empty. */
    take(): boolean {
      const current = now();
      tokens = Math.min(burst, tokens + ((current - last) * ratePerSecond) / 1000);
      last = current;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
