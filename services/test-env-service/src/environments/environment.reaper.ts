import type { Logger } from '@shipshape/telemetry';
import type { EnvironmentStore } from './environment.store';
import type { EnvironmentDriver } from './environment.types';
import { ownerAlive } from './process-group';

export const REAP_REASONS = ['run-ended', 'owner-gone', 'ttl'] as const;
export type ReapReason = (typeof REAP_REASONS)[number];

export interface Reaped {
  readonly id: string;
  readonly reason: ReapReason;
}

/**
 * Tears down every environment whose run has ended, whose owner process is gone (a crash of
 * test-env-service included) or that outlived its TTL. Runs at boot and every interval; safe to run in
 * several processes at once (teardown and release are idempotent).
 */
export class EnvironmentReaper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<readonly Reaped[]> | null = null;

  constructor(
    private readonly store: EnvironmentStore,
    private readonly driver: EnvironmentDriver,
    private readonly logger?: Logger,
  ) {}

  async reapOnce(): Promise<readonly Reaped[]> {
    const reaped: Reaped[] = [];
    for (const env of await this.store.reapCandidates()) {
      // A waiting environment has no processes or workspace yet; whoever runs its step next takes it over.
      const orphaned = env.state !== 'waiting' && !ownerAlive(env.owner);
      const reason: ReapReason | null = env.runEnded ? 'run-ended' : env.expired ? 'ttl' : orphaned ? 'owner-gone' : null;
      if (reason === null) continue;
      await this.driver.teardown(env);
      await this.store.markReleased(env.id);
      this.logger?.info({ environmentId: env.id, runId: env.runId, reason }, 'environment reaped');
      reaped.push({ id: env.id, reason });
    }
    return reaped;
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    const tick = (): void => {
      if (this.running) return;
      this.running = this.reapOnce()
        .catch((error: unknown) => {
          this.logger?.error({ err: error }, 'environment reaper failed');
          return [];
        })
        .finally(() => {
          this.running = null;
        });
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
