import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type StepCommand } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { LOGGER } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { recordStep } from './change-step.store';
import { ChangeStepWorker } from './change-step.worker';

/** Accepts change-service step commands: records the step (keyed by step id) and leaves the work to the worker. */
@Controller()
export class ChangeStepController {
  constructor(
    private readonly worker: ChangeStepWorker,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EVENT_TYPES.stepCommand)
  async onStep(@Payload() cmd: StepCommand, @Ctx() ctx: EventContext): Promise<void> {
    const isNew = await recordStep(ctx.tx, cmd);
    this.logger.info({ stepId: cmd.stepId, stage: cmd.stage, runId: cmd.runId, isNew }, 'change step accepted');
    if (isNew) setImmediate(() => this.worker.poke());
  }
}
