import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type StepResult } from '@shipshape/contracts';
import { EventContext, type SqlExecutor } from '@shipshape/messaging';
import { toErrorClass } from './run-machine';
import { RunEngine } from './run-engine';
import type { RunEventInput } from './run-state';

/**
 * A step a person stopped in its service (a release aborted by its abort control, rolled back): outcome
 * ABORTED (StepResult v3). The run is aborted, not failed. Release-service before v3 reported it as
 * FAILED INVALID_INPUT with `details.reason = aborted`; results of that form are still read the same way.
 */
export function isAbortedStep(result: Pick<StepResult, 'stage' | 'outcome' | 'details'>): boolean {
  if (result.outcome === 'ABORTED') return true;
  return result.stage === 'release' && result.outcome === 'FAILED' && result.details['reason'] === 'aborted';
}

/** The state-machine event a step result stands for. */
export function eventOf(result: StepResult): RunEventInput {
  const outcome = result.outcome;
  if (outcome === 'ABORTED' || isAbortedStep(result)) {
    // When task-manager aborted the run itself, the machine refuses this (run already aborted).
    return { type: 'control', control: { type: 'abort', reason: `${result.stage} aborted in ${result.service}: ${result.message ?? 'aborted'}` } };
  }
  return {
    type: 'step-result',
    stepId: result.stepId,
    stage: result.stage,
    attempt: result.attempt,
    outcome,
    errorClass: toErrorClass(result.errorClass),
    message: result.message,
    acquired: result.acquired,
    released: result.released,
    retryAfterMs: result.retryAfterMs,
    details: result.details,
    links: result.links,
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
    const event = eventOf(result);
    if (event.type === 'control' && !(await this.inFlight(ctx.tx, result.stepId))) {
      // A late ABORTED of a step no longer in flight (the run was aborted, then restarted meanwhile): it must not abort the run again.
      return;
    }
    // Lock order: the run row first (engine.apply), then the step row.
    const outcome = await this.engine.apply(ctx.tx, result.runId, event);
    if (outcome === null || result.outcome === 'PROGRESS') return;
    await ctx.tx.query(
      `UPDATE steps SET status = $2, finished_at = now(), error_class = $3, message = $4, usage = $5
        WHERE step_id = $1 AND status = 'dispatched'`,
      [result.stepId, result.outcome === 'SUCCEEDED' ? 'succeeded' : result.outcome === 'ABORTED' ? 'aborted' : 'failed', errorClass, result.message, JSON.stringify(result.usage)],
    );
  }

  private async inFlight(tx: SqlExecutor, stepId: string): Promise<boolean> {
    const rows = (await tx.query(`SELECT 1 FROM steps WHERE step_id = $1 AND status = 'dispatched'`, [stepId])) as unknown[];
    return rows.length > 0;
  }
}
