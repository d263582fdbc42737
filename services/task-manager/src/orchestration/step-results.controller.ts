import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type StepResult } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { toErrorClass } from './run-machine';
import { RunEngine } from './run-engine';
import type { RunEventInput } from './run-state';

/**
 * A release aborted in release-service (its abort control): the step fails INVALID_INPUT with
 * `details.reason = aborted` after the instances were rolled back. A person stopped it, so the run is
 * aborted, not failed with a bad-input root cause.
 */
export function isAbortedRelease(result: Pick<StepResult, 'stage' | 'outcome' | 'details'>): boolean {
  return result.stage === 'release' && result.outcome === 'FAILED' && result.details['reason'] === 'aborted';
}

/** The state-machine event a step result stands for. */
export function eventOf(result: StepResult): RunEventInput {
  if (isAbortedRelease(result)) {
    // When task-manager aborted the run itself, the machine refuses this (run already aborted).
    return { type: 'control', control: { type: 'abort', reason: `release aborted in release-service: ${result.message ?? 'aborted'}` } };
  }
  return {
    type: 'step-result',
    stepId: result.stepId,
    stage: result.stage,
    attempt: result.attempt,
    outcome: result.outcome,
    errorClass: toErrorClass(result.errorClass),
    message: result.message,
    acquired: result.acquired,
    released: result.released,
    retryAfterMs: result.retryAfterMs,
  };
}

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
    const outcome = await this.engine.apply(ctx.tx, result.runId, eventOf(result));
    if (outcome === null || result.outcome === 'PROGRESS') return;
    await ctx.tx.query(
      `UPDATE steps SET status = $2, finished_at = now(), error_class = $3, message = $4, usage = $5
        WHERE step_id = $1 AND status = 'dispatched'`,
      [result.stepId, result.outcome === 'SUCCEEDED' ? 'succeeded' : 'failed', errorClass, result.message, JSON.stringify(result.usage)],
    );
  }
}
