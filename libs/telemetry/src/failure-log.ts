import type { Logger } from './logger';

export interface FailureLogOptions {
  /** Static message of the failure lines (error level). */
  readonly failed: string;
  /** Static message of the one line when it works again (info level). */
  readonly recovered: string;
  /** At most one failure line per this many ms while the failures last; default 10 s. */
  readonly intervalMs?: number;
  /** Clock (tests pass their own). */
  readonly now?: () => number;
}

/**
 * Logging for a loop that fails on every tick while something it needs is down (a database, a broker):
 * the first failure is logged at once, then at most one line per interval with how many failures there
 * were, and one info line when it works again. A loop that keeps running through an outage of seconds
 * would otherwise write hundreds of identical lines.
 */
export class FailureLog {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private failures = 0;
  private sinceLastLine = 0;
  private firstAt = 0;
  private lastLineAt = 0;

  constructor(
    private readonly logger: Logger,
    private readonly options: FailureLogOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** One failure; logs it if it is the first of the outage or the interval has passed since the last line. */
  failure(err: unknown, fields: Record<string, unknown> = {}): void {
    const now = this.now();
    this.failures += 1;
    this.sinceLastLine += 1;
    if (this.failures === 1) this.firstAt = now;
    else if (now - this.lastLineAt < this.intervalMs) return;
    this.logger.error({ ...fields, err, failures: this.failures, failuresSinceLastLine: this.sinceLastLine, failingForMs: now - this.firstAt }, this.options.failed);
    this.lastLineAt = now;
    this.sinceLastLine = 0;
  }

  /** It worked: after failures, one info line with their count and duration; otherwise nothing. */
  success(fields: Record<string, unknown> = {}): void {
    if (this.failures === 0) return;
    this.logger.info({ ...fields, failures: this.failures, failedForMs: this.now() - this.firstAt }, this.options.recovered);
    this.failures = 0;
    this.sinceLastLine = 0;
  }

  /** True while failures have not been followed by a success. */
  get failing(): boolean {
    return this.failures > 0;
  }
}
