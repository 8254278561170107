import { AppError } from '../errors/app-error';

/** One unauthenticated connection's place; released when it authenticates or closes (either may come first; both may). */
export interface AdmissionSlot {
  release(): void;
}

export interface AdmissionCounts {
  unauthenticated: number;
  refused: { perAddress: number; total: number; perUser: number };
}

/**
 * Caps the connections that have not authenticated yet, per client address and in total, so a client
 * that opens sockets and stays silent holds at most `perAddress` of them for at most the auth deadline.
 * Authenticated sockets are bounded per user instead (the gateway asks `refuseUser` to count those refusals).
 */
export function createAdmission({
  perAddress,
  total,
  retryAfterSeconds,
}: {
  perAddress: number;
  total: number;
  retryAfterSeconds: number;
}) {
  const byAddress = new Map<string, number>();
  let unauthenticated = 0;
  const refused = { perAddress: 0, total: 0, perUser: 0 };

  return {
    /**
     * A slot for one more unauthenticated connection from `address`.
     * @throws RATE_LIMITED (429) when that address holds `perAddress` already; SERVICE_UNAVAILABLE (503) when all do hold `total`.
     */
    admit(address: string): AdmissionSlot {
      const held = byAddress.get(address) ?? 0;
      if (held >= perAddress) {
        refused.perAddress += 1;
        throw new AppError({
          code: 'RATE_LIMITED',
          message: `Too many connections from this address waiting to authenticate (at most ${perAddress})`,
          retryAfterSeconds,
        });
      }
      if (unauthenticated >= total) {
        refused.total += 1;
        throw new AppError({ code: 'SERVICE_UNAVAILABLE', message: 'Too many connections waiting to authenticate', retryAfterSeconds });
      }
      byAddress.set(address, held + 1);
      unauthenticated += 1;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          unauthenticated -= 1;
          const left = (byAddress.get(address) ?? 1) - 1;
          if (left === 0) byAddress.delete(address);
          else byAddress.set(address, left);
        },
      };
    },
    refuseUser(): void {
      refused.perUser += 1;
    },
    counts(): AdmissionCounts {
      return { unauthenticated, refused: { ...refused } };
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
