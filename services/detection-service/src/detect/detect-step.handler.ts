import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, TOPICS, type StepCommand } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { LOGGER } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { stepResultOf, type DetectStepRow } from './detect-step';
import { DetectWorker } from './detect.worker';

/**
 * The `detect` stage over Kafka: records the step by step id (check before act) and returns; the
 * worker verifies and publishes the result. A step already done gets its stored result re-published;
 * a command for another stage is refused as INVALID_INPUT.
 */
@Controller()
export class DetectStepHandler {
  constructor(
    private readonly worker: DetectWorker,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EVENT_TYPES.stepCommand)
  async onStep(@Payload() cmd: StepCommand, @Ctx() ctx: EventContext): Promise<void> {
    if (cmd.stage !== 'detect') {
      await ctx.publish({
        topic: TOPICS.stepResults, key: cmd.runId, eventType: EVENT_TYPES.stepResult,
        value: stepResultOf(cmd, new Date(), { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `detection-service serves the detect stage, not ${cmd.stage}`, details: { stage: cmd.stage } }),
      });
      return;
    }
    const inserted = (await ctx.tx.query(
      `INSERT INTO detect_step (step_id, run_id, application, command) VALUES ($1, $2, $3, $4) ON CONFLICT (step_id) DO NOTHING RETURNING step_id`,
      [cmd.stepId, cmd.runId, cmd.application.name, JSON.stringify(cmd)],
    )) as unknown[];
    if (inserted.length === 0) {
      const [row] = (await ctx.tx.query('SELECT status, result FROM detect_step WHERE step_id = $1', [cmd.stepId])) as Pick<DetectStepRow, 'status' | 'result'>[];
      if (row?.status === 'done' && row.result) {
        await ctx.publish({ topic: TOPICS.stepResults, key: cmd.runId, eventType: EVENT_TYPES.stepResult, value: { ...row.result, occurredAt: Date.now() } });
      }
    }
    this.logger.info({ step: cmd.stepId, run: cmd.runId, application: cmd.application.name, created: inserted.length > 0 }, 'detect step received');
    setTimeout(() => this.worker.poke(), 50);
  }
}
