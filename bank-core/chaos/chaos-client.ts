import { randomUUID } from 'node:crypto';
import http from 'node:http';

/** A customer as the chaos clients use it: one account, a token to move its money. */
export interface ChaosAccount {
  userId: string;
  accountId: string;
  accountNumber: string;
  token: string;
}

/** One payment a client wants made exactly once, and what became of it. */
export interface Intent {
  key: string;
  from: ChaosAccount;
  to: ChaosAccount;
  /** Minor units. */
  amount: number;
  attempts: number;
  /** The definitive answer: 201 with the transaction id, or a refusal (a 4xx that retrying cannot change). */
  outcome?: { status: number; transactionId?: string; code?: string; replayed: boolean; at: number };
  /** Time of the first attempt, ms since the epoch. */
  startedAt: number;
}

/** Why an attempt was not definitive (and so retried with the same key). */
export type Failure = 'network' | '503' | '409' | '429' | '500' | 'other';

export interface AttemptLog {
  /** Non-definitive answers by kind. */
  failures: Record<Failure, number>;
  /** Times (ms since the epoch) of 201 answers, for the time to recover after each fault. */
  successes: number[];
}

const RETRYABLE_STATUS: Record<number, Failure> = { 503: '503', 409: '409', 429: '429', 500: '500', 502: 'other', 504: 'other' };
// A 500 is a bug, but its money may have moved: the client retries it with the same key to learn the outcome.

/** POST /api/transactions/send with the intent's key; never throws. */
function attempt(
  baseUrl: string,
  agent: http.Agent,
  intent: Intent,
): Promise<{ status: number; body: unknown; replayed: boolean } | 'network'> {
  const payload = Buffer.from(
    JSON.stringify({ fromAccountId: intent.from.accountId, toAccountNumber: intent.to.accountNumber, amount: intent.amount }),
  );
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        hostname,
        port,
        method: 'POST',
        path: '/api/transactions/send',
        timeout: 20_000,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          authorization: `Bearer ${intent.from.token}`,
          'idempotency-key': intent.key,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, replayed: res.headers['idempotency-replayed'] === 'true' });
        });
        res.on('error', () => resolve('network'));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve('network'));
    req.end(payload);
  });
}

/**
 * Makes one payment the way a careful client does: one Idempotency-Key for the intent, repeated with
 * the same body after every answer that is not definitive (a cut connection, 503, 409 in progress, a
 * 500) until one is, or until `giveUpMs` (then the intent stays without an outcome: a failure of the run).
 */
export async function pay(baseUrl: string, agent: http.Agent, intent: Intent, log: AttemptLog, giveUpMs: number): Promise<void> {
  while (Date.now() - intent.startedAt < giveUpMs) {
    intent.attempts += 1;
    const answer = await attempt(baseUrl, agent, intent);
    const failure: Failure | undefined = answer === 'network' ? 'network' : RETRYABLE_STATUS[answer.status];
    if (answer !== 'network' && failure === undefined) {
      const body = answer.body as { id?: string; error?: { code?: string } } | undefined;
      intent.outcome = {
        status: answer.status,
        transactionId: body?.id,
        code: body?.error?.code,
        replayed: answer.replayed,
        at: Date.now(),
      };
      if (answer.status === 201) log.successes.push(intent.outcome.at);
      return;
    }
    log.failures[failure ?? 'other'] += 1;
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
  }
}

/** `count` payments between random pairs of `accounts`, each a small amount, each with a fresh key. */
export function planIntents(accounts: ChaosAccount[], count: number, seed: number): Intent[] {
  let state = seed;
  const next = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31);
  return Array.from({ length: count }, () => {
    const from = accounts[next() % accounts.length]!;
    let to = accounts[next() % accounts.length]!;
    if (to === from) to = accounts[(accounts.indexOf(from) + 1) % accounts.length]!;
    return { key: randomUUID(), from, to, amount: 1 + (next() % 500), attempts: 0, startedAt: 0 };
  });
}
