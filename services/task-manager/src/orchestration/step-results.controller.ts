import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type StepResult } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { toErrorClass } from './run-machine';
import { RunEngine } from './run-engine';

/**
 * Consumes step results idempotently: the inbox drops redelivered messages, and the state machine
 * ignores duplicates and late results (a step that is no longer the running one, an aborted run).
 */
@Controller()
export class StepResultsController {
  constructor(private readonly engine: RunEngine) {}

  @EventPattern(EVENT_TYPES.stepResult)
  async onStepResult(@Payload() result: StepResult, @Ctx() ctx: EventContext): Promise<void> {
    const errorClass = toErrorClass(result.errorClass);
    // Lock order: the run row first (engine.apply), then the step row.
    const outcome = await this.engine.apply(ctx.tx, result.runId, {
      type: 'step-result',
      stepId: result.stepId,
      stage: result.stage,
      attempt: result.attempt,
      outcome: result.outcome,
      errorClass,
      message: result.message,
      acquired: result.acquired,
      released: result.released,
      retryAfterMs: result.retryAfterMs,
    });
    if (outcome === null || result.outcome === 'PROGRESS') return;
    await ctx.tx.query(
      `UPDATE steps SET status = $2, finished_at = now(), error_class = $3, message = $4, usage = $5
        WHERE step_id = $1 AND status = 'dispatched'`,
      [result.stepId, result.outcome === 'SUCCEEDED' ? 'succeeded' : 'failed', errorClass, result.message, JSON.stringify(result.usage)],
    );
  }
}
