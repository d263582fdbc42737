import { describe, expect, it } from 'vitest';
import { ServiceKitError } from '../errors';
import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('passes a timely result through', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'postgres')).resolves.toBe(7);
  });

  it('passes a timely failure through', async () => {
    await expect(withTimeout(Promise.reject(new Error('refused')), 50, 'postgres')).rejects.toThrow('refused');
  });

  it('rejects with a coded error naming what did not answer', async () => {
    const never = new Promise<never>(() => undefined);
    const started = Date.now();
    const error = await withTimeout(never, 30, 'kafka').catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ServiceKitError);
    expect(error).toMatchObject({ code: 'SERVICE_KIT.TIMEOUT', message: 'kafka did not answer within 30 ms' });
    expect(Date.now() - started).toBeLessThan(500);
  });
});
