import { EVENT_TYPES, type StepCommand, type StepResultInput } from '@shipshape/contracts';
import type { OutboxWriter } from '@shipshape/messaging';
import type { Logger } from '@shipshape/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { Phase } from '../classification';
import { resultOf, type StepExecutor } from './step.executor';
import { StepStore } from './step.store';

export interface StepWorkerOptions {
  readonly concurrency: number;
  readonly resultsTopic: string;
  readonly pollMs: number;
  readonly leaseMs: number;
  /** How long a deploy waiting for a slot stays out of the claims. */
  readonly requeueDelayMs: number;
}

/**
 * Executes accepted steps outside the consumer's transaction: claims a pending step (SKIP LOCKED, with a
 * lease renewed while it runs, so a step of a crashed worker is picked up again), runs it, and publishes
 * the StepResult through the outbox in the transaction that marks the step done.
 */
export class StepWorker {
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: StepStore,
    private readonly executor: StepExecutor,
    private readonly outbox: OutboxWriter,
    private readonly options: StepWorkerOptions,
    private readonly logger?: Logger,
  ) {}

  start(): void {
    if (this.loops.length > 0) return;
    this.stopping = false;
    for (let i = 0; i < this.options.concurrency; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let worked = false;
      try {
        worked = await this.runOne();
      } catch (error) {
        this.logger?.error({ err: error }, 'step worker iteration failed');
      }
      if (!worked) await sleep(this.options.pollMs);
    }
  }

  /** Runs one claimed step; false when there was none. */
  async runOne(): Promise<boolean> {
    const claimed = await this.store.claim(this.options.leaseMs);
    if (!claimed) return false;
    const lease = setInterval(() => void this.store.extendLease(claimed.stepId, this.options.leaseMs).catch(() => undefined), this.options.leaseMs / 3);
    let result: StepResultInput | 'requeue';
    try {
      result = await this.executor.execute(claimed.command, (phase) => this.progress(claimed.command, phase));
    } catch (error) {
      // A bug or an outside failure we did not expect: INTERNAL (retryable), never a silent loss of the step.
      this.logger?.error({ err: error, stepId: claimed.stepId }, 'step execution threw');
      result = resultOf(claimed.command, {
        outcome: 'FAILED',
        errorClass: 'INTERNAL',
        message: error instanceof Error ? error.message : String(error),
      });
    } finally {
      clearInterval(lease);
    }
    if (result === 'requeue') {
      await this.store.requeue(claimed.stepId, this.options.requeueDelayMs);
      return false;
    }
    await this.publish(claimed.command, result);
    this.logger?.info({ stepId: claimed.stepId, stage: claimed.command.stage, outcome: result.outcome, errorClass: result.errorClass ?? null }, 'step finished');
    return true;
  }

  /** A PROGRESS result when a phase starts (best effort: the driver ignores a failure here). */
  private async progress(cmd: StepCommand, phase: Phase): Promise<void> {
    const value = resultOf(cmd, { outcome: 'PROGRESS', progress: { phase, message: `${phase} started` } });
    await this.dataSource.transaction((tx) => this.outbox.add(tx, { topic: this.options.resultsTopic, key: cmd.runId, eventType: EVENT_TYPES.stepResult, value }));
  }

  private async publish(cmd: StepCommand, result: StepResultInput): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      if (!(await StepStore.finish(tx, cmd.stepId, result))) return;
      await this.outbox.add(tx, { topic: this.options.resultsTopic, key: cmd.runId, eventType: EVENT_TYPES.stepResult, value: result });
    });
  }
}
