import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, TOPICS, type RunEvent, type StepCommand } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { LOGGER } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { stepResultOf } from './release.executor';
import { ReleaseStore } from './release.store';
import { ReleaseWorker } from './release.worker';

/**
 * The `release` stage over Kafka: records the step (keyed by step id) for the worker and returns at
 * once; the worker runs it and publishes the result. A step already known is not started again: a
 * finished one gets its stored result re-published, a running one simply goes on where it stands.
 */
@Controller()
export class ReleaseStepHandler {
  constructor(
    private readonly store: ReleaseStore,
    private readonly worker: ReleaseWorker,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EVENT_TYPES.stepCommand)
  async onStep(@Payload() command: StepCommand, @Ctx() ctx: EventContext): Promise<void> {
    const { release, created } = await this.store.accept(ctx.tx, command);
    this.logger.info({ step: command.stepId, run: command.runId, application: command.application.name, created, status: release.status }, 'release step received');
    if (!created && release.result !== null && (release.status === 'succeeded' || release.status === 'failed')) {
      const result = release.result;
      await ctx.publish({
        topic: TOPICS.stepResults,
        key: release.runId,
        eventType: EVENT_TYPES.stepResult,
        value: stepResultOf(release, { outcome: result.outcome, errorClass: result.errorClass, message: result.message, details: result.details }),
      });
      return;
    }
    // Committed with the inbox row right after this returns; wake the worker a moment later.
    setTimeout(() => this.worker.poke(), 50);
  }

  /**
   * task-manager's abort of a run (or of a whole task) reaches its releases through the public
   * lifecycle stream: each active release of it is aborted (rolled back) like POST /abort does.
   */
  @EventPattern(EVENT_TYPES.runEvent)
  async onRunEvent(@Payload() event: RunEvent, @Ctx() ctx: EventContext): Promise<void> {
    if (event.transition !== 'ABORTED') return;
    let aborted: number;
    switch (event.scope) {
      case 'RUN':
        if (event.runId === null) return;
        aborted = await this.store.requestAbort(ctx.tx, { runId: event.runId });
        break;
      case 'TASK':
        aborted = await this.store.requestAbort(ctx.tx, { taskId: event.taskId });
        break;
      case 'STAGE':
        return;
      default: {
        const never: never = event.scope;
        throw new Error(`unknown lifecycle scope ${String(never)}`);
      }
    }
    if (aborted > 0) this.logger.info({ run: event.runId, task: event.taskId, releases: aborted }, 'releases aborted with their run');
  }
}
