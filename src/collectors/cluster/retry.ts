/**
 * Retries of one API call: 429 (honouring Retry-After), 500/502/503/504, connection resets and
 * timeouts are retried with exponential backoff and jitter, within a deadline shared by the whole
 * collection. Anything else (403, 404, 401, TLS errors) fails at once.
 */
import { KubeApiError } from './kube-api.js';

export interface RetryPolicy {
  /** Epoch milliseconds after which no further attempt starts. */
  deadline: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound of one attempt (also bounded by the deadline). */
  requestTimeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** 0 ≤ x < 1, for jitter. */
  random?: () => number;
  onRetry?: (event: { what: string; attempt: number; delayMs: number; error: KubeApiError }) => void;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, 'deadline'> = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  requestTimeoutMs: 30_000,
};

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'EBADRESPONSE', 'UND_ERR_SOCKET',
]);

export function isRetryable(e: unknown): e is KubeApiError {
  if (!(e instanceof KubeApiError)) return false;
  if (e.kind === 'http') return RETRYABLE_STATUS.has(e.status ?? 0);
  if (e.kind === 'timeout') return true;
  return RETRYABLE_CODES.has(e.details.code ?? '');
}

/** Exponential backoff with "equal jitter": half fixed, half random. */
export function backoffMs(attempt: number, p: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const giveUp = (e: KubeApiError, attempts: number, note: string): KubeApiError =>
  new KubeApiError(`${e.message} (${note}; ${attempts} attempt${attempts === 1 ? '' : 's'})`, e.kind, { ...e.details, attempts });

/** Run `call` (given its timeout) until it succeeds, fails for good, or the policy gives up. */
export async function withRetry<T>(what: string, call: (timeoutMs: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const now = policy.now ?? Date.now;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    const remaining = policy.deadline - now();
    if (remaining <= 0) throw new KubeApiError(`${what}: deadline passed before attempt ${attempt}`, 'timeout', { code: 'EDEADLINE', attempts: attempt - 1 });
    try {
      return await call(Math.min(policy.requestTimeoutMs, remaining));
    } catch (e) {
      if (!isRetryable(e)) {
        if (e instanceof KubeApiError && attempt > 1) throw giveUp(e, attempt, 'not retryable');
        throw e;
      }
      if (attempt >= policy.maxAttempts) throw giveUp(e, attempt, 'gave up');
      const delayMs = e.details.retryAfterMs ?? backoffMs(attempt, policy, random);
      if (now() + delayMs >= policy.deadline) throw giveUp(e, attempt, `next attempt in ${delayMs} ms would pass the deadline`);
      policy.onRetry?.({ what, attempt, delayMs, error: e });
      await sleep(delayMs);
    }
  }
}
