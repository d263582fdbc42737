import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import { FailureLog, type Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { transactionWithRetry } from '../db/transaction-retry';
import { RunEngine } from '../orchestration/run-engine';
import { rowsOf } from '../orchestration/sql-rows';
import { executeHook, type HookExecution, type HookPayload } from './hook.executor';
import type { HookDefinition } from './hook.schema';

/** A lease outlives the hook's own timeout by this much before another process may take it over. */
export const HOOK_LEASE_MARGIN_MS = 30_000;

interface ClaimedHook {
  hook_id: string;
  run_id: string;
  definition: HookDefinition | null;
  payload: HookPayload;
}

/**
 * Executes stage hooks durably, like steps: a hook is a row in run_hooks written with the run's state;
 * this worker leases due rows (SKIP LOCKED, so processes share them), runs them outside any
 * transaction (HOOK_CONCURRENCY at once), then records the result and applies it to the run in one
 * transaction, under the run's row lock and only while it still holds the lease. Once recorded done a
 * hook never runs again; a process that dies mid-hook leaves a lease that expires, and the hook runs
 * again elsewhere (it was never recorded done).
 */
@Injectable()
export class HooksWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly owner = randomUUID();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  private claiming: Promise<number> | null = null;
  private stopped = false;
  /** A lease query fails on every poll while the database is down: logged once, then once per 10 s, then when it works again. */
  private readonly leaseFailures: FailureLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: RunEngine,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.engine.onHooksQueued = () => this.kick();
    this.leaseFailures = new FailureLog(this.logger, { failed: 'hook lease failed', recovered: 'hook leases work again' });
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops taking hooks and waits for the ones running to finish and be recorded (bounded by their timeouts). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    await this.claiming;
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runDue().finally(() => this.schedule());
    }, this.config.ORCHESTRATOR_POLL_MS);
  }

  kick(): void {
    if (this.kickTimer || this.stopped) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      void this.runDue();
    }, 10);
  }

  /** Leases due hooks up to the free concurrency and starts them; returns how many it started. Public for tests. */
  async runDue(): Promise<number> {
    if (this.claiming) return this.claiming;
    this.claiming = this.claim().finally(() => {
      this.claiming = null;
    });
    return this.claiming;
  }

  private async claim(): Promise<number> {
    const free = this.config.HOOK_CONCURRENCY - this.inFlight.size;
    if (this.stopped || free <= 0) return 0;
    let claimed: ClaimedHook[];
    try {
      claimed = rowsOf<ClaimedHook>(
        await this.dataSource.query(
          `UPDATE run_hooks h SET status = 'running', lease_owner = $1, attempts = h.attempts + 1, started_at = now(),
                  lease_until = now() + (h.timeout_ms + $2) * interval '1 millisecond'
            WHERE h.hook_id IN (SELECT hook_id FROM run_hooks WHERE status = 'pending' OR (status = 'running' AND lease_until < now())
                                 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
            RETURNING h.hook_id, h.run_id, h.definition, h.payload`,
          [this.owner, HOOK_LEASE_MARGIN_MS, free],
        ),
      );
      this.leaseFailures.success();
    } catch (err) {
      this.leaseFailures.failure(err);
      return 0;
    }
    for (const hook of claimed) {
      const running: Promise<void> = this.run(hook).finally(() => {
        this.inFlight.delete(running);
        if (!this.stopped) this.kick(); // a slot is free
      });
      this.inFlight.add(running);
    }
    return claimed.length;
  }

  private async run(hook: ClaimedHook): Promise<void> {
    const result: HookExecution = hook.definition
      ? await executeHook(hook.definition, hook.payload).catch((err: unknown) => ({
          outcome: 'FAILED' as const,
          errorClass: 'INTERNAL' as const,
          message: `hook could not run: ${err instanceof Error ? err.message : String(err)}`,
          output: '',
          exitCode: null,
          httpStatus: null,
          durationMs: 0,
        }))
      : { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: "the hook is no longer in the task's pipeline", output: '', exitCode: null, httpStatus: null, durationMs: 0 };
    try {
      await transactionWithRetry(this.dataSource, async (tx) => {
        await tx.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [hook.run_id]); // the run first: the lock order of result handling
        const recorded = rowsOf(
          await tx.query(
            `UPDATE run_hooks SET status = $3, finished_at = now(), lease_until = NULL, error_class = $4, message = $5, output = $6, exit_code = $7, http_status = $8, duration_ms = $9
              WHERE hook_id = $1 AND status = 'running' AND lease_owner = $2 RETURNING hook_id`,
            [hook.hook_id, this.owner, result.outcome === 'SUCCEEDED' ? 'succeeded' : 'failed', result.errorClass, result.message, result.output, result.exitCode, result.httpStatus, result.durationMs],
          ),
        );
        if (recorded.length === 0) return; // abandoned (run aborted) or the lease went to another process
        await this.engine.apply(tx, hook.run_id, { type: 'hook-result', hookId: hook.hook_id, outcome: result.outcome, errorClass: result.errorClass, message: result.message });
      });
    } catch (err) {
      // Not recorded: the lease expires and the hook runs again.
      this.logger.error({ err, hookId: hook.hook_id }, 'hook result could not be recorded');
    }
  }
}
