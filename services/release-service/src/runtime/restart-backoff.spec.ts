import { describe, expect, it } from 'vitest';
import { afterFailedAttempt } from './restart-backoff';

describe('restart backoff', () => {
  const policy = { initialMs: 1_000, maxMs: 5_000, maxAttempts: 5 };

  it('doubles the wait after each failed attempt up to the maximum', () => {
    expect([1, 2, 3, 4].map((attempt) => afterFailedAttempt(policy, attempt))).toEqual([
      { kind: 'retry', delayMs: 1_000 },
      { kind: 'retry', delayMs: 2_000 },
      { kind: 'retry', delayMs: 4_000 },
      { kind: 'retry', delayMs: 5_000 },
    ]);
  });

  it('gives up once the last allowed attempt failed', () => {
    expect(afterFailedAttempt(policy, 5)).toEqual({ kind: 'give-up' });
    expect(afterFailedAttempt({ ...policy, maxAttempts: 1 }, 1)).toEqual({ kind: 'give-up' });
  });
});
