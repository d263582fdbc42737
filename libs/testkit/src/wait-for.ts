import { ShipshapeError } from '@shipshape/contracts';

export interface WaitForOptions {
  /** Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between attempts. Default 100 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly description?: string;
}

export class WaitForTimeoutError extends ShipshapeError {
  constructor(description: string, timeoutMs: number, attempts: number, readonly lastError: unknown) {
    const last = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
    super('TESTKIT.WAIT_TIMEOUT', `timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${description}${last}`, {
      cause: lastError,
      details: { description, timeout_ms: timeoutMs, attempts },
    });
  }
}

/**
 * Polls `predicate` until it returns a truthy value, and resolves with that value. A throwing predicate
 * counts as "not yet"; its last error is reported if time runs out. The predicate always runs at least once.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let lastError: unknown;
  for (;;) {
    attempts++;
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitForTimeoutError(options.description ?? 'condition', timeoutMs, attempts, lastError);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
  }
}
