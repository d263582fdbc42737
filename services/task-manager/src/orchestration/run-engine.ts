import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TYPES, STAGE_SERVICE, type NotificationInput, type RunEventInput as RunEventMessage, type StageName, type StepCommand } from '@shipshape/contracts';
import { OutboxWriter, type OutboxMessage, type SqlExecutor } from '@shipshape/messaging';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import type { ApplicationRecord } from '../catalog/application.schema';
import type { TaskManagerConfig } from '../config/task-manager.config';
import type { TaskSpec } from '../tasks/task.schema';
import { isReleaseStage } from './pipeline';
import { isFinished, transition } from './run-machine';
import type { DispatchEffect, Effect, RunEventInput, RunState, TransitionResult } from './run-state';
import { buildStepCommand } from './step-command.factory';
import { cancelHooks, queueHooks, type QueuedHook } from '../hooks/hook.store';

interface LockedRun {
  id: string;
  task_id: string;
  team: string;
  application: ApplicationRecord;
  state: RunState;
  spec: TaskSpec;
}

/** A step ready to leave through the outbox (dispatch time fills issuedAt, deadline and eventId). */
export interface PendingCommand {
  readonly command: Omit<StepCommand, 'eventId' | 'issuedAt' | 'deadline'>;
  readonly timeoutMs: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function commandsTopic(config: TaskManagerConfig, stage: StageName): string {
  return `${config.STEP_COMMANDS_TOPIC_PREFIX}${STAGE_SERVICE[stage]}`;
}

export function commandMessage(config: TaskManagerConfig, pending: PendingCommand, now: number): OutboxMessage {
  const value: StepCommand = { ...pending.command, eventId: randomUUID(), issuedAt: now, deadline: now + pending.timeoutMs };
  return { topic: commandsTopic(config, pending.command.stage as StageName), key: pending.command.runId, eventType: EVENT_TYPES.stepCommand, value, messageId: pending.command.stepId };
}

/**
 * Applies one event to one run inside the caller's transaction: locks the run row, runs the pure
 * state machine, stores the new state and performs its effects (step rows + commands in the outbox,
 * scheduled retries, lifecycle events, notices) in the same transaction.
 */
@Injectable()
export class RunEngine {
  /** Set by the dispatcher: called when a step was queued behind a throttle. */
  onQueued: () => void = () => undefined;
  /** Set by the hooks worker: called when stage hooks were queued. */
  onHooksQueued: () => void = () => undefined;

  constructor(
    private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
  ) {}

  async apply(tx: SqlExecutor, runId: string, event: RunEventInput): Promise<TransitionResult | null> {
    const [result] = await this.applyMany(tx, [runId], event);
    return result ?? null;
  }

  /** Applies one event once to each of many runs (see applyEach). Results come back in the order of `runIds` (null: unknown run). */
  async applyMany(tx: SqlExecutor, runIds: readonly string[], event: RunEventInput): Promise<Array<TransitionResult | null>> {
    const ids = [...new Set(runIds)];
    const results = await this.applyEach(
      tx,
      ids.map((runId) => ({ runId, event })),
    );
    const byId = new Map(ids.map((id, i) => [id, results[i] ?? null]));
    return runIds.map((id) => byId.get(id) ?? null);
  }

  /**
   * Applies each event to its run, in order, with a constant number of statements per round: a run
   * named k times is applied in k rounds, each round seeing the state (and the rows) the previous one
   * left, exactly as if the events were applied one after another. In a round, rows are locked in id
   * order (so concurrent callers cannot deadlock on them), then states, ledgers, steps, retries,
   * notices and outbox rows are written in bulk. In the same transaction, `hooks.before` may leave
   * items of a round out (given the state the previous rounds left; their result is null) and
   * `hooks.after` runs after each round with its items and results. Results come back in the order of
   * `items` (null: unknown run or left out).
   */
  async applyEach(
    tx: SqlExecutor,
    items: ReadonlyArray<{ readonly runId: string; readonly event: RunEventInput }>,
    hooks: {
      readonly before?: (round: readonly number[]) => Promise<Iterable<number>>;
      readonly after?: (round: ReadonlyArray<{ readonly index: number; readonly result: TransitionResult | null }>) => Promise<void>;
    } = {},
  ): Promise<Array<TransitionResult | null>> {
    const results: Array<TransitionResult | null> = items.map(() => null);
    const rounds: number[][] = [];
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const n = seen.get(item.runId) ?? 0;
      seen.set(item.runId, n + 1);
      (rounds[n] ??= []).push(index);
    });
    for (const all of rounds) {
      const left = new Set(hooks.before ? await hooks.before(all) : []);
      const round = all.filter((i) => !left.has(i));
      const applied = round.length > 0 ? await this.applyRound(tx, round.map((i) => items[i]!)) : [];
      round.forEach((index, k) => (results[index] = applied[k] ?? null));
      if (hooks.after) await hooks.after(round.map((index) => ({ index, result: results[index] ?? null })));
    }
    return results;
  }

  /** One event per distinct run. */
  private async applyRound(tx: SqlExecutor, items: ReadonlyArray<{ readonly runId: string; readonly event: RunEventInput }>): Promise<Array<TransitionResult | null>> {
    const ids = [...new Set(items.map((i) => i.runId).filter((id) => UUID.test(id)))]; // run ids are UUIDs; anything else is not ours
    if (ids.length === 0) return items.map(() => null);
    const rows = (await tx.query(
      `SELECT r.id, r.task_id, r.team, r.application, r.state, t.spec
         FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id = ANY($1::uuid[]) ORDER BY r.id FOR UPDATE OF r`,
      [ids],
    )) as LockedRun[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const results = new Map<string, TransitionResult>();
    const changed: Array<{ run: LockedRun; before: RunState; after: RunState; effects: readonly Effect[] }> = [];
    for (const { runId, event } of items) {
      const run = byId.get(runId);
      if (!run) continue;
      const result = transition(run.state, event);
      results.set(run.id, result);
      if (result.kind === 'applied') changed.push({ run, before: run.state, after: result.state, effects: result.effects });
    }
    if (changed.length > 0) {
      await tx.query(
        `UPDATE runs r SET state = u.state, status = u.status, paused = u.paused, updated_at = now(),
                started_at = CASE WHEN u.status = 'running' THEN COALESCE(r.started_at, now()) ELSE r.started_at END,
                finished_at = CASE WHEN u.finished THEN COALESCE(r.finished_at, now()) ELSE NULL END
           FROM unnest($1::uuid[], $2::jsonb[], $3::text[], $4::boolean[], $5::boolean[]) AS u(id, state, status, paused, finished)
          WHERE r.id = u.id`,
        [
          changed.map((c) => c.run.id),
          changed.map((c) => JSON.stringify(c.after)),
          changed.map((c) => c.after.status),
          changed.map((c) => c.after.paused),
          changed.map((c) => isFinished(c.after.status)),
        ],
      );
      await this.syncLedgers(tx, changed.filter((c) => JSON.stringify(c.before.ledger) !== JSON.stringify(c.after.ledger)).map((c) => ({ runId: c.run.id, state: c.after })));
      await this.perform(tx, changed);
    }
    return items.map((i) => results.get(i.runId) ?? null);
  }

  private async syncLedgers(tx: SqlExecutor, runs: ReadonlyArray<{ runId: string; state: RunState }>): Promise<void> {
    const entries = runs.flatMap((r) => r.state.ledger.map((e) => ({ runId: r.runId, ...e })));
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO run_resources (run_id, kind, resource_id, attributes, acquired_by, status, release_step_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT (run_id, kind, resource_id) DO UPDATE SET attributes = EXCLUDED.attributes, acquired_by = EXCLUDED.acquired_by,
         status = EXCLUDED.status, release_step_id = EXCLUDED.release_step_id, updated_at = now()`,
      [
        entries.map((e) => e.runId),
        entries.map((e) => e.kind),
        entries.map((e) => e.id),
        entries.map((e) => JSON.stringify(e.attributes)),
        entries.map((e) => e.acquiredBy),
        entries.map((e) => e.status),
        entries.map((e) => e.releaseStepId),
      ],
    );
  }

  /** Whether a step must wait for the dispatcher (some limit applies to it) or may leave at once. */
  private throttled(spec: TaskSpec, effect: DispatchEffect, stageLimit: number | null): boolean {
    if (isReleaseStage(effect.stage)) return false;
    const c = this.config;
    return (
      c.THROTTLE_GLOBAL_CONCURRENCY !== undefined ||
      c.THROTTLE_TEAM_CONCURRENCY !== undefined ||
      c.THROTTLE_STAGE_CONCURRENCY[effect.stage] !== undefined ||
      c.THROTTLE_STAGE_RATE_PER_HOUR[effect.stage] !== undefined ||
      spec.throttling.maxConcurrentSteps !== undefined ||
      stageLimit !== null
    );
  }

  private async perform(tx: SqlExecutor, changed: ReadonlyArray<{ run: LockedRun; after: RunState; effects: readonly Effect[] }>): Promise<void> {
    const messages: OutboxMessage[] = [];
    const now = Date.now();
    const steps: Array<{ run: LockedRun; effect: DispatchEffect; pending: PendingCommand; waits: boolean; stageLimit: number | null }> = [];
    const abandoned: string[] = [];
    const retries: Array<{ runId: string; stage: string; attempt: number; delayMs: number }> = [];
    const cancelled: string[] = [];
    const notices: Array<{ team: string; payload: string }> = [];
    const hooks: QueuedHook[] = [];
    const hooksCancelled: string[] = [];
    for (const { run, after: state, effects } of changed) {
      for (const effect of effects) {
        switch (effect.kind) {
          case 'dispatch': {
            const pending: PendingCommand = {
              command: buildStepCommand({
                stepId: effect.stepId,
                runId: run.id,
                taskId: run.task_id,
                stage: effect.stage,
                attempt: effect.attempt,
                resources: effect.resources,
                rebase: effect.rebase,
                application: run.application,
                task: run.spec,
                dryRun: state.definition.dryRun,
                mergedCommit: state.mergedCommit ?? null,
                testResults: state.testResults ?? null,
              }),
              timeoutMs: effect.timeoutMs,
            };
            const stageLimit = state.definition.stages.find((s) => s.name === effect.stage)?.concurrency ?? null;
            steps.push({ run, effect, pending, stageLimit, waits: this.throttled(run.spec, effect, stageLimit) });
            break;
          }
          case 'abandon-step':
            abandoned.push(effect.stepId);
            break;
          case 'schedule-retry':
            retries.push({ runId: run.id, stage: effect.stage, attempt: effect.attempt, delayMs: effect.delayMs });
            break;
          case 'cancel-retries':
            cancelled.push(run.id);
            break;
          case 'run-hook': {
            const stepMessage = state.stages.find((st) => st.name === effect.stage)?.hook?.stepMessage ?? null;
            hooks.push({ runId: run.id, taskId: run.task_id, effect, spec: run.spec, application: run.application, stepMessage });
            break;
          }
          case 'cancel-hooks':
            hooksCancelled.push(run.id);
            break;
          case 'run-event': {
            const value: RunEventMessage = {
              eventId: randomUUID(),
              occurredAt: now,
              scope: effect.scope,
              transition: effect.transition,
              taskId: run.task_id,
              runId: run.id,
              application: run.application.name,
              team: run.team,
              stage: effect.stage,
              attempt: effect.attempt,
              stepId: effect.stepId,
              errorClass: effect.errorClass,
              message: effect.message,
              componentChange: {
                kind: run.spec.kind === 'sidecar' ? 'SIDECAR' : 'COMPONENT',
                ecosystem: run.spec.component.ecosystem,
                coordinates: run.spec.component.coordinates,
                fromRange: run.spec.fromRange,
                toVersion: run.spec.toVersion,
              },
            };
            messages.push({ topic: this.config.RUN_EVENTS_TOPIC, key: run.id, eventType: EVENT_TYPES.runEvent, value });
            break;
          }
          case 'notify': {
            const value: NotificationInput = {
              eventId: randomUUID(),
              occurredAt: now,
              team: run.team,
              severity: effect.severity,
              title: `${effect.title}: ${run.application.name}`,
              body: `${effect.body}\n\nUpgrade of ${run.spec.component.coordinates} to ${run.spec.toVersion}.`,
              taskId: run.task_id,
              runId: run.id,
              application: run.application.name,
            };
            notices.push({ team: run.team, payload: JSON.stringify(value) });
            break;
          }
          default: {
            const never: never = effect;
            throw new Error(`unhandled effect ${JSON.stringify(never)}`);
          }
        }
      }
    }
    if (abandoned.length > 0) {
      await tx.query(`UPDATE steps SET status = 'abandoned', finished_at = now() WHERE step_id = ANY($1::text[]) AND status IN ('queued', 'dispatched')`, [abandoned]);
    }
    if (cancelled.length > 0) await tx.query('DELETE FROM scheduled_retries WHERE run_id = ANY($1::uuid[])', [cancelled]);
    await cancelHooks(tx, hooksCancelled);
    const hooksQueued = await queueHooks(tx, hooks);
    if (retries.length > 0) {
      await tx.query(
        `INSERT INTO scheduled_retries (run_id, stage, attempt, due_at)
         SELECT u.run_id, u.stage, u.attempt, now() + u.delay_ms * interval '1 millisecond'
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[]) AS u(run_id, stage, attempt, delay_ms)
         ON CONFLICT DO NOTHING`,
        [retries.map((r) => r.runId), retries.map((r) => r.stage), retries.map((r) => r.attempt), retries.map((r) => r.delayMs)],
      );
    }
    if (notices.length > 0) {
      await tx.query('INSERT INTO pending_notifications (team, payload) SELECT * FROM unnest($1::text[], $2::jsonb[])', [notices.map((n) => n.team), notices.map((n) => n.payload)]);
    }
    let queued = false;
    if (steps.length > 0) {
      const inserted = (await tx.query(
        `INSERT INTO steps (step_id, run_id, task_id, stage, attempt, service, team, status, timeout_ms, stage_limit, task_limit, command, dispatched_at, deadline)
         SELECT u.step_id, u.run_id, u.task_id, u.stage, u.attempt, u.service, u.team, u.status, u.timeout_ms, u.stage_limit, u.task_limit, u.command,
                CASE WHEN u.status = 'dispatched' THEN now() END,
                CASE WHEN u.status = 'dispatched' THEN now() + u.timeout_ms * interval '1 millisecond' END
           FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::int[], $11::int[], $12::jsonb[])
             AS u(step_id, run_id, task_id, stage, attempt, service, team, status, timeout_ms, stage_limit, task_limit, command)
         ON CONFLICT (step_id) DO NOTHING RETURNING step_id`,
        [
          steps.map((s) => s.effect.stepId),
          steps.map((s) => s.run.id),
          steps.map((s) => s.run.task_id),
          steps.map((s) => s.effect.stage),
          steps.map((s) => s.effect.attempt),
          steps.map((s) => STAGE_SERVICE[s.effect.stage]),
          steps.map((s) => s.run.team),
          steps.map((s) => (s.waits ? 'queued' : 'dispatched')),
          steps.map((s) => s.effect.timeoutMs),
          steps.map((s) => s.stageLimit),
          steps.map((s) => s.run.spec.throttling.maxConcurrentSteps ?? null),
          steps.map((s) => JSON.stringify(s.pending.command)),
        ],
      )) as Array<{ step_id: string }>;
      const fresh = new Set(inserted.map((r) => r.step_id)); // a step id dispatched before is never dispatched again
      for (const s of steps) {
        if (!fresh.has(s.effect.stepId)) continue;
        if (s.waits) queued = true;
        else messages.push(commandMessage(this.config, s.pending, now));
      }
    }
    await this.outbox.addMany(tx, messages);
    if (queued) this.onQueued();
    if (hooksQueued > 0) this.onHooksQueued();
  }
}
