import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-shipshape-signature';
export const DELIVERY_HEADER = 'x-shipshape-delivery';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes with the webhook's secret>` (GitHub-style). */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function verifySignature(secret: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Backoff before attempt `attempts + 1`: initial × 2^(attempts-1), at most five minutes. */
export function webhookBackoffMs(initialMs: number, attempts: number): number {
  return Math.min(initialMs * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
}
