import { setTimeout as delay } from 'node:timers/promises';
import type { EntityManager } from 'typeorm';

/** What a TypeORM DataSource offers for this: a transaction around some work. */
export interface Transactional {
  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T>;
}

/** Postgres codes after which the whole transaction may simply run again: deadlock_detected, serialization_failure. */
export const RETRYABLE_TRANSACTION_CODES = ['40P01', '40001'] as const;

/** Whether an error is Postgres cancelling the transaction to break a deadlock or a serialization conflict. */
export function isRetryableTransactionError(error: unknown): boolean {
  const codeOf = (e: unknown): unknown => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined);
  const driverError = typeof error === 'object' && error !== null ? (error as { driverError?: unknown }).driverError : undefined;
  return [codeOf(error), codeOf(driverError)].some((code) => (RETRYABLE_TRANSACTION_CODES as readonly unknown[]).includes(code));
}

export interface TransactionRetryOptions {
  /** Attempts in all (default 5). */
  readonly attempts?: number;
  /** Pause before the second attempt, doubled after each (default 20 ms, with jitter). */
  readonly initialDelayMs?: number;
}

/**
 * Runs `work` in a transaction, and again from the start when Postgres cancelled it to break a
 * deadlock or a serialization conflict (e.g. a task control locking its runs in id order while a
 * result batch locks them in message order). Other errors (409s, 404s...) pass through at once.
 */
export async function transactionWithRetry<T>(dataSource: Transactional, work: (tx: EntityManager) => Promise<T>, options: TransactionRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  let delayMs = options.initialDelayMs ?? 20;
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (attempt >= attempts || !isRetryableTransactionError(error)) throw error;
      await delay(delayMs + Math.floor(Math.random() * delayMs));
      delayMs *= 2;
    }
  }
}
