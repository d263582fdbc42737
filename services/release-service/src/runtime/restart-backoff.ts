/** Restart attempts of a dead instance: the first is immediate; after failed attempt n the next waits initial · 2^(n-1), at most max. */
export interface RestartBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly maxAttempts: number;
}

/** What follows failed attempt `attempt` (1-based): wait that long and try again, or give up. */
export function afterFailedAttempt(policy: RestartBackoff, attempt: number): { readonly kind: 'retry'; readonly delayMs: number } | { readonly kind: 'give-up' } {
  if (attempt >= policy.maxAttempts) return { kind: 'give-up' };
  return { kind: 'retry', delayMs: Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1)) };
}
