import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type StepResult } from '@shipshape/contracts';
import { batchOf, EventBatchContext } from '@shipshape/messaging';
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
 * The results of one partition's batch are applied together (RunEngine.applyEach: a few statements
 * per batch instead of per result), in order.
 */
@Controller()
export class StepResultsController {
  constructor(private readonly engine: RunEngine) {}

  @EventPattern(batchOf(EVENT_TYPES.stepResult))
  async onStepResults(@Payload() results: readonly StepResult[], @Ctx() ctx: EventBatchContext): Promise<void> {
    const events = results.map(eventOf);
    // Lock order: the run rows first (engine), then the step rows.
    await this.engine.applyEach(
      ctx.tx,
      results.map((r, i) => ({ runId: r.runId, event: events[i]! })),
      {
        // A late ABORTED of a step no longer in flight (the run was aborted, then restarted meanwhile): it must not abort the run again.
        before: async (round) => {
          const aborts = round.filter((i) => events[i]!.type === 'control');
          if (aborts.length === 0) return [];
          const inFlight = new Set(
            ((await ctx.tx.query(`SELECT step_id FROM steps WHERE step_id = ANY($1::text[]) AND status = 'dispatched'`, [aborts.map((i) => results[i]!.stepId)])) as Array<{ step_id: string }>).map(
              (r) => r.step_id,
            ),
          );
          return aborts.filter((i) => !inFlight.has(results[i]!.stepId));
        },
        after: async (round) => {
          const finished = round.filter((a) => a.result !== null && results[a.index]!.outcome !== 'PROGRESS').map((a) => results[a.index]!);
          if (finished.length === 0) return;
          await ctx.tx.query(
            `UPDATE steps s SET status = u.status, finished_at = now(), error_class = u.error_class, message = u.message, usage = u.usage
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[]) AS u(step_id, status, error_class, message, usage)
              WHERE s.step_id = u.step_id AND s.status = 'dispatched'`,
            [
              finished.map((r) => r.stepId),
              finished.map((r) => (r.outcome === 'SUCCEEDED' ? 'succeeded' : r.outcome === 'ABORTED' ? 'aborted' : 'failed')),
              finished.map((r) => toErrorClass(r.errorClass)),
              finished.map((r) => r.message),
              finished.map((r) => JSON.stringify(r.usage)),
            ],
          );
        },
      },
    );
  }
}
