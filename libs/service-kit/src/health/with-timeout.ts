import { ServiceKitError } from '../errors';

/** Settles like `work`, or rejects with SERVICE_KIT.TIMEOUT after `ms`. The work itself is not cancelled. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ServiceKitError('SERVICE_KIT.TIMEOUT', `${what} did not answer within ${ms} ms`, { timeout_ms: ms })), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
