import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { OutboxWriter } from '@shipshape/messaging';
import { LOGGER, SERVICE_CONFIG, TELEMETRY } from '@shipshape/service-kit';
import type { Logger, Telemetry } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import type { ChangeConfig } from '../config';
import { GitWorkspaces } from '../git/git-workspaces';
import { DbMergeRequestProvider } from '../merge-requests/db-merge-request.provider';
import { CHANGE_SERVICE_NAME, executeStep, type ChangeStepExecutorDeps } from './change-step.executor';
import { createChangeMetrics, type ChangeMetrics } from './change-step.metrics';
import { changeReportOf, claimStep, completeStep, extendLease, publishProgress } from './change-step.store';

/**
 * Runs accepted steps outside the consumer's transaction: claims pending steps (FOR UPDATE SKIP
 * LOCKED, so replicas share the work and a crashed worker's step is taken over when its lease runs
 * out), does the git work, and publishes the StepResult through the outbox in the transaction that
 * marks the step done.
 */
@Injectable()
export class ChangeStepWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private wake: (() => void) | undefined;
  readonly workspaces: GitWorkspaces;
  private readonly deps: ChangeStepExecutorDeps;
  private readonly metrics: ChangeMetrics;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: ChangeConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TELEMETRY) telemetry: Telemetry,
  ) {
    this.metrics = createChangeMetrics(telemetry);
    this.workspaces = new GitWorkspaces({
      cacheDir: config.CHANGE_GIT_CACHE_DIR,
      workDir: config.CHANGE_WORK_DIR,
      credentials: config.CHANGE_GIT_CREDENTIALS,
      sshCommand: config.CHANGE_GIT_SSH_COMMAND,
    });
    this.deps = {
      workspaces: this.workspaces,
      author: { name: config.CHANGE_GIT_AUTHOR_NAME, email: config.CHANGE_GIT_AUTHOR_EMAIL },
      mergeRequests: new DbMergeRequestProvider(dataSource),
      changeReport: (runId) => changeReportOf(dataSource, runId),
      publicUrl: config.CHANGE_PUBLIC_URL,
    };
  }

  onApplicationBootstrap(): void {
    this.running = true;
    for (let i = 0; i < this.config.CHANGE_WORKER_CONCURRENCY; i++) this.loops.push(this.loop());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await Promise.all(this.loops);
  }

  /** A new step was recorded: stop idling. */
  poke(): void {
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let worked = false;
      try {
        const step = await claimStep(this.dataSource);
        if (step) {
          worked = true;
          this.logger.info({ stepId: step.stepId, stage: step.command.stage, executions: step.executions }, 'change step started');
          await publishProgress(this.dataSource, this.outbox, step.command, CHANGE_SERVICE_NAME, 'running', `${step.command.stage} started (execution ${step.executions})`);
          const heartbeat = setInterval(() => void extendLease(this.dataSource, step.stepId).catch(() => undefined), 60_000);
          const result = await executeStep(step.command, this.deps).finally(() => clearInterval(heartbeat));
          await completeStep(this.dataSource, this.outbox, result);
          const { stepsCompleted, stepDuration } = this.metrics;
          stepsCompleted.add(1, { stage: step.command.stage, outcome: result.outcome, error_class: result.errorClass ?? 'none' });
          stepDuration.record((result.usage?.durationMs ?? 0) / 1000, { stage: step.command.stage });
          this.logger.info({ stepId: step.stepId, outcome: result.outcome, errorClass: result.errorClass, durationMs: result.usage?.durationMs }, 'change step finished');
        }
      } catch (err) {
        if (this.running) this.logger.error({ err }, 'change step worker iteration failed');
      }
      if (!worked && this.running) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.config.CHANGE_WORKER_POLL_MS);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }
}
