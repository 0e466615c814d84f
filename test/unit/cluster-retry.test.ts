import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/collectors/cluster/kube-api.js';
import { backoffMs, DEFAULT_RETRY, isRetryable, withRetry, type RetryPolicy } from '../../src/collectors/cluster/retry.js';

/** A policy on a fake clock: sleeping advances time instantly and is recorded. */
function fakeClock(over: Partial<RetryPolicy> = {}) {
  let now = 0;
  const slept: number[] = [];
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY,
    deadline: 60_000,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    random: () => 0.5,
    ...over,
  };
  return { policy, slept, advance: (ms: number) => (now += ms) };
}

const http = (status: number, retryAfterMs?: number) =>
  new KubeApiError(`HTTP ${status}`, 'http', { status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

/** A call failing with the given errors in turn, then returning 'ok'. */
function failing(...errors: Error[]) {
  let calls = 0;
  const timeouts: number[] = [];
  const call = async (timeoutMs: number) => {
    timeouts.push(timeoutMs);
    const e = errors[calls++];
    if (e) throw e;
    return 'ok';
  };
  return { call, calls: () => calls, timeouts };
}

describe('retry policy', () => {
  it('classifies what is worth retrying', () => {
    for (const s of [429, 500, 502, 503, 504]) expect(isRetryable(http(s))).toBe(true);
    for (const s of [400, 401, 403, 404, 409, 410]) expect(isRetryable(http(s))).toBe(false);
    expect(isRetryable(new KubeApiError('reset', 'network', { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryable(new KubeApiError('tls', 'network', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }))).toBe(false);
    expect(isRetryable(new KubeApiError('slow', 'timeout'))).toBe(true);
    expect(isRetryable(new Error('other'))).toBe(false);
  });

  it('honours Retry-After exactly', async () => {
    const { policy, slept } = fakeClock();
    const f = failing(http(429, 3_000), http(429, 1_000));
    expect(await withRetry('x', f.call, policy)).toBe('ok');
    expect(slept).toEqual([3_000, 1_000]);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, p, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, p, () => 0.999))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('stops after maxAttempts and says so', async () => {
    const { policy } = fakeClock({ maxAttempts: 3 });
    const f = failing(http(500), http(500), http(500), http(500));
    const e = (await withRetry('list pods', f.call, policy).catch((x: unknown) => x)) as KubeApiError;
    expect(f.calls()).toBe(3);
    expect(e.details.attempts).toBe(3);
    expect(e.message).toMatch(/gave up; 3 attempts/);
  });

  it('fails at once on a non-retryable error', async () => {
    const { policy, slept } = fakeClock();
    const f = failing(http(403));
    await expect(withRetry('x', f.call, policy)).rejects.toMatchObject({ status: 403 });
    expect(f.calls()).toBe(1);
    expect(slept).toEqual([]);
  });

  it('never waits past the deadline, and bounds each attempt by what is left', async () => {
    const { policy, slept } = fakeClock({ deadline: 10_000, requestTimeoutMs: 30_000 });
    const f = failing(http(503, 4_000), http(503, 4_000), http(503, 4_000));
    const e = (await withRetry('x', f.call, policy).catch((x: unknown) => x)) as KubeApiError;
    expect(slept).toEqual([4_000, 4_000]);
    expect(e.message).toMatch(/would pass the deadline; 3 attempts/);
    expect(f.timeouts).toEqual([10_000, 6_000, 2_000]);
  });
});
