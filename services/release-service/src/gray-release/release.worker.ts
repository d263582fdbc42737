import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReleaseConfig } from '../config/release.config';
import { RuntimeRegistry } from '../runtime/runtime.registry';
import { ReleaseExecutor } from './release.executor';
import { ReleaseStore } from './release.store';

/**
 * Picks active releases from the table (FOR UPDATE SKIP LOCKED, with a lease renewed while it works)
 * and drives them with the executor. A release survives restarts: on shutdown the worker stops where
 * it stands and gives the lease back; a crashed worker's lease runs out and any replica resumes it.
 */
@Injectable()
export class ReleaseWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private wake: (() => void) | null = null;

  constructor(
    private readonly store: ReleaseStore,
    private readonly executor: ReleaseExecutor,
    private readonly registry: RuntimeRegistry,
    @Inject(SERVICE_CONFIG) private readonly config: ReleaseConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.loops = Array.from({ length: this.config.RELEASE_WORKER_CONCURRENCY }, () => this.loop());
  }

  /** Wakes an idle loop now (a step was just accepted). */
  poke(): void {
    this.wake?.();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await Promise.all(this.loops);
  }

  private async idle(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.config.RELEASE_WORKER_POLL_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
    this.wake = null;
  }

  private async loop(): Promise<void> {
    await this.registry.reconciled();
    while (!this.stopping) {
      let claimed = null;
      try {
        claimed = await this.store.claim(this.owner, this.config.RELEASE_LEASE_MS);
      } catch (error) {
        this.logger.error({ err: error }, 'release claim failed');
      }
      if (claimed === null) {
        await this.idle();
        continue;
      }
      await this.drive(claimed.id);
    }
  }

  private async drive(id: string): Promise<void> {
    let lost = false;
    const renewEvery = Math.max(100, Math.floor(this.config.RELEASE_LEASE_MS / 3));
    const renewal = setInterval(() => {
      this.store.renew(id, this.owner, this.config.RELEASE_LEASE_MS).then(
        (ok) => {
          if (!ok) lost = true;
        },
        () => undefined,
      );
    }, renewEvery);
    try {
      await this.executor.execute(id, () => this.stopping || lost);
    } catch (error) {
      this.logger.error({ err: error, release: id }, 'release step failed unexpectedly; it will be resumed');
      await sleep(this.config.RELEASE_WORKER_POLL_MS);
    } finally {
      clearInterval(renewal);
      if (!lost) await this.store.letGo(id, this.owner).catch(() => undefined);
    }
  }
}
