import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type RunEvent, type StepCommand, type StepControl } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import type { ReleaseConfig } from '../config/release.config';
import { stepResultOf } from './release.executor';
import { ReleaseStore } from './release.store';
import { FINISHED_STATUSES, type ReleaseControl } from './release.types';
import { ReleaseWorker } from './release.worker';

const CONTROLS: Readonly<Record<Exclude<StepControl, 'UNKNOWN'>, ReleaseControl>> = { PAUSE: 'pause', RESUME: 'resume', PROMOTE: 'promote', ABORT: 'abort' };

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
    @Inject(SERVICE_CONFIG) private readonly config: ReleaseConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EVENT_TYPES.stepCommand)
  async onStep(@Payload() command: StepCommand, @Ctx() ctx: EventContext): Promise<void> {
    // `?? null`: a command written before StepCommand v2 has no control field.
    if ((command.control ?? null) !== null) return this.onControl(command, ctx);
    const { release, created } = await this.store.accept(ctx.tx, command);
    this.logger.info({ step: command.stepId, run: command.runId, application: command.application.name, created, status: release.status }, 'release step received');
    if (!created && release.result !== null && FINISHED_STATUSES.includes(release.status)) {
      const result = release.result;
      await ctx.publish({
        topic: this.config.STEP_RESULTS_TOPIC,
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
   * A manual control of a release in progress from task-manager's run controls (StepCommand.control):
   * the same flags as the REST controls, set in the transaction of the inbox row, so a redelivered
   * control is not applied twice; applying one again is harmless anyway (pause of a paused release is
   * refused, the state stays). A refused control (release finished, already paused, …) is published as
   * a PROGRESS result with phase control-refused, so whoever sent it can see why nothing happened.
   */
  private async onControl(command: StepCommand, ctx: EventContext): Promise<void> {
    const symbol = command.control ?? 'UNKNOWN';
    if (symbol === 'UNKNOWN') {
      this.logger.warn({ step: command.stepId, run: command.runId }, 'release control not understood; ignored');
      return;
    }
    const control = CONTROLS[symbol];
    const outcome = await this.store.control(command.stepId, control, ctx.tx);
    switch (outcome.kind) {
      case 'applied':
        this.logger.info({ step: command.stepId, run: command.runId, control }, 'release control applied');
        setTimeout(() => this.worker.poke(), 50);
        return;
      case 'not-found':
        this.logger.warn({ step: command.stepId, run: command.runId, control }, 'release control for an unknown release; ignored');
        return;
      case 'refused':
        this.logger.info({ step: command.stepId, run: command.runId, control, reason: outcome.reason }, 'release control refused');
        await ctx.publish({
          topic: this.config.STEP_RESULTS_TOPIC,
          key: outcome.release.runId,
          eventType: EVENT_TYPES.stepResult,
          value: stepResultOf(outcome.release, {
            outcome: 'PROGRESS',
            message: `${control} refused: ${outcome.reason}`,
            details: { phase: 'control-refused', control, reason: outcome.reason },
            progress: { phase: 'control-refused', percent: null, completed: null, total: null },
          }),
        });
        return;
      default: {
        const never: never = outcome;
        throw new Error(`unknown control outcome ${JSON.stringify(never)}`);
      }
    }
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
