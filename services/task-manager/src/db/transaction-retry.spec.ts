import { describe, expect, it } from 'vitest';
import type { EntityManager } from 'typeorm';
import { isRetryableTransactionError, transactionWithRetry } from './transaction-retry';

/** What TypeORM throws: a QueryFailedError carrying the pg error (code) as driverError. */
const queryFailed = (code: string) => Object.assign(new Error('query failed'), { code, driverError: { code } });

function dataSourceFailing(errors: unknown[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    transaction: async <T>(work: (tx: EntityManager) => Promise<T>): Promise<T> => {
      calls++;
      const error = errors.shift();
      if (error !== undefined) throw error;
      return work({} as EntityManager);
    },
  };
}

describe('transactionWithRetry', () => {
  it('recognises deadlocks and serialization failures, on the error or its driverError', () => {
    expect(isRetryableTransactionError(queryFailed('40P01'))).toBe(true);
    expect(isRetryableTransactionError({ driverError: { code: '40001' } })).toBe(true);
    expect(isRetryableTransactionError(queryFailed('23505'))).toBe(false);
    expect(isRetryableTransactionError(new Error('conflict'))).toBe(false);
    expect(isRetryableTransactionError(null)).toBe(false);
  });

  it('runs the work again after a deadlock and returns its result', async () => {
    const ds = dataSourceFailing([queryFailed('40P01'), queryFailed('40001')]);
    await expect(transactionWithRetry(ds, async () => 'done', { initialDelayMs: 1 })).resolves.toBe('done');
    expect(ds.calls).toBe(3);
  });

  it('passes other errors through at once', async () => {
    const conflict = new Error('task is finished');
    const ds = dataSourceFailing([conflict]);
    await expect(transactionWithRetry(ds, async () => 'done', { initialDelayMs: 1 })).rejects.toBe(conflict);
    expect(ds.calls).toBe(1);
  });

  it('gives up after the attempts it was given', async () => {
    const ds = dataSourceFailing([queryFailed('40P01'), queryFailed('40P01'), queryFailed('40P01')]);
    await expect(transactionWithRetry(ds, async () => 'done', { attempts: 2, initialDelayMs: 1 })).rejects.toMatchObject({ code: '40P01' });
    expect(ds.calls).toBe(2);
  });
});
