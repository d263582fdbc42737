import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type RunEvent, type StepCommand } from '@shipshape/contracts';
import type { EventContext } from '@shipshape/messaging';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import type { TestEnvConfig } from '../config/test-env.config';
import { invalidInput, isServedStage, resultOf, SERVICE_NAME } from './step.executor';
import { StepStore } from './step.store';

const RUN_ENDED = new Set<RunEvent['transition']>(['SUCCEEDED', 'FAILED', 'ABORTED', 'SKIPPED']);

/**
 * Step commands for test-deploy, test-verify and env-release: recorded (idempotent on the step id) for the
 * worker; a stage this service does not serve is answered at once with INVALID_INPUT. Run lifecycle events
 * tell the reaper which runs have ended.
 */
@Controller()
export class StepCommandsController {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: TestEnvConfig) {}

  @EventPattern(EVENT_TYPES.stepCommand)
  async onStep(@Payload() cmd: StepCommand, @Ctx() ctx: EventContext): Promise<void> {
    if (!isServedStage(cmd.stage)) {
      await ctx.publish({
        topic: this.config.TEST_ENV_RESULTS_TOPIC,
        key: cmd.runId,
        eventType: EVENT_TYPES.stepResult,
        value: resultOf(cmd, invalidInput([`stage: "${cmd.stage}" is not served by ${SERVICE_NAME}`])),
      });
      return;
    }
    await StepStore.accept(ctx.tx, cmd);
  }

  @EventPattern(EVENT_TYPES.runEvent)
  async onRunEvent(@Payload() event: RunEvent, @Ctx() ctx: EventContext): Promise<void> {
    if (event.scope !== 'RUN' || event.runId === null || !RUN_ENDED.has(event.transition)) return;
    await ctx.tx.query('INSERT INTO ended_runs (run_id) VALUES ($1) ON CONFLICT DO NOTHING', [event.runId]);
  }
}
