/**
 * A token bucket: `burst` tokens at once, refilled at `ratePerSecond`. One per socket for messages
 * (so a flooding client is slowed without touching anyone else), two per user for activity bytes.
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
  const refill = () => {
    const current = now();
    tokens = Math.min(burst, tokens + ((current - last) * ratePerSecond) / 1000);
    last = current;
    return tokens;
  };
  return {
    /** Takes `cost` tokens (one by default); false, taking none, when fewer are left. */
    take(cost = 1): boolean {
      if (refill() < cost) return false;
      tokens -= cost;
      return true;
    },
    /** Tokens there are now. */
    available(): number {
      return refill();
    },
    /** Whether the bucket is full again, i.e. it remembers nothing and may be dropped. */
    get full(): boolean {
      return refill() >= burst;
    },
  };
}

export type TokenBucket = ReturnType<typeof createTokenBucket>;
