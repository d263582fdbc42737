import { describe, expect, it } from 'vitest';
import { waitFor, WaitForTimeoutError } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throwing predicate as not yet', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        if (++calls < 2) throw new Error('not ready');
        return 'ready';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ready');
  });

  it('times out naming what it waited for and the last error', async () => {
    const started = Date.now();
    const error = await waitFor(
      () => {
        throw new Error('connection refused');
      },
      { timeoutMs: 80, intervalMs: 10, description: 'the broker' },
    ).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(WaitForTimeoutError);
    expect((error as Error).message).toMatch(/timed out after 80 ms \(\d+ attempts\) waiting for the broker; last error: connection refused/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('runs the predicate at least once even with a zero timeout', async () => {
    await expect(waitFor(() => 42, { timeoutMs: 0 })).resolves.toBe(42);
  });
});
