import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isRetryable, NonRetryableError } from './errors';

describe('isDatabaseUnavailable', () => {
  it('recognises a server that is down, restarting or refusing connections', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('the database system is shutting down'), { code: '57P03' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
  });

  it('follows TypeORM driverError and cause chains', () => {
    const driverError = Object.assign(new Error('the database system is starting up'), { code: '57P03' });
    expect(isDatabaseUnavailable(Object.assign(new Error('QueryFailedError'), { driverError }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: driverError }))).toBe(true);
  });

  it('leaves errors of the event or the handler alone', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(false);
    expect(isDatabaseUnavailable(new NonRetryableError('bad event'))).toBe(false);
    expect(isDatabaseUnavailable('a string')).toBe(false);
    expect(isRetryable(new NonRetryableError('bad event'))).toBe(false);
  });
});
