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

  constructor(
    private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
  ) {}

  async apply(tx: SqlExecutor, runId: string, event: RunEventInput): Promise<TransitionResult | null> {
    const rows = (await tx.query(
      `SELECT r.id, r.task_id, r.team, r.application, r.state, t.spec
         FROM runs r JOIN tasks t ON t.id = r.task_id WHERE r.id = $1 FOR UPDATE OF r`,
      [runId],
    )) as LockedRun[];
    const run = rows[0];
    if (run === undefined) return null;
    const result = transition(run.state, event);
    if (result.kind !== 'applied') return result;
    const before = run.state;
    const after = result.state;
    await tx.query(
      `UPDATE runs SET state = $2, status = $3, paused = $4, updated_at = now(),
              started_at = CASE WHEN $3 = 'running' THEN COALESCE(started_at, now()) ELSE started_at END,
              finished_at = CASE WHEN $5 THEN COALESCE(finished_at, now()) ELSE NULL END
        WHERE id = $1`,
      [runId, JSON.stringify(after), after.status, after.paused, isFinished(after.status)],
    );
    if (JSON.stringify(before.ledger) !== JSON.stringify(after.ledger)) await this.syncLedger(tx, runId, after);
    await this.perform(tx, run, after, result.effects);
    return result;
  }

  private async syncLedger(tx: SqlExecutor, runId: string, state: RunState): Promise<void> {
    await tx.query(
      `INSERT INTO run_resources (run_id, kind, resource_id, attributes, acquired_by, status, release_step_id)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT (run_id, kind, resource_id) DO UPDATE SET attributes = EXCLUDED.attributes, acquired_by = EXCLUDED.acquired_by,
         status = EXCLUDED.status, release_step_id = EXCLUDED.release_step_id, updated_at = now()`,
      [
        runId,
        state.ledger.map((e) => e.kind),
        state.ledger.map((e) => e.id),
        state.ledger.map((e) => JSON.stringify(e.attributes)),
        state.ledger.map((e) => e.acquiredBy),
        state.ledger.map((e) => e.status),
        state.ledger.map((e) => e.releaseStepId),
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

  private async perform(tx: SqlExecutor, run: LockedRun, state: RunState, effects: readonly Effect[]): Promise<void> {
    const messages: OutboxMessage[] = [];
    const now = Date.now();
    let queued = false;
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
            }),
            timeoutMs: effect.timeoutMs,
          };
          const stageLimit = state.definition.stages.find((s) => s.name === effect.stage)?.concurrency ?? null;
          const waits = this.throttled(run.spec, effect, stageLimit);
          const inserted = (await tx.query(
            `INSERT INTO steps (step_id, run_id, task_id, stage, attempt, service, team, status, timeout_ms, stage_limit, task_limit, command,
                                dispatched_at, deadline)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text, $9::bigint, $10, $11, $12,
                     CASE WHEN $8 = 'dispatched' THEN now() END, CASE WHEN $8 = 'dispatched' THEN now() + $9::bigint * interval '1 millisecond' END)
             ON CONFLICT (step_id) DO NOTHING RETURNING step_id`,
            [
              effect.stepId, run.id, run.task_id, effect.stage, effect.attempt, STAGE_SERVICE[effect.stage], run.team,
              waits ? 'queued' : 'dispatched', effect.timeoutMs, stageLimit, run.spec.throttling.maxConcurrentSteps ?? null, JSON.stringify(pending.command),
            ],
          )) as unknown[];
          if (inserted.length === 0) break; // dispatched before: never twice
          if (waits) queued = true;
          else messages.push(commandMessage(this.config, pending, now));
          break;
        }
        case 'abandon-step':
          await tx.query(`UPDATE steps SET status = 'abandoned', finished_at = now() WHERE step_id = $1 AND status IN ('queued', 'dispatched')`, [effect.stepId]);
          break;
        case 'schedule-retry':
          await tx.query(
            `INSERT INTO scheduled_retries (run_id, stage, attempt, due_at) VALUES ($1, $2, $3, now() + $4::bigint * interval '1 millisecond') ON CONFLICT DO NOTHING`,
            [run.id, effect.stage, effect.attempt, effect.delayMs],
          );
          break;
        case 'cancel-retries':
          await tx.query('DELETE FROM scheduled_retries WHERE run_id = $1', [run.id]);
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
          messages.push({ topic: this.config.NOTIFICATIONS_TOPIC, key: run.team, eventType: EVENT_TYPES.notification, value });
          break;
        }
        default: {
          const never: never = effect;
          throw new Error(`unhandled effect ${JSON.stringify(never)}`);
        }
      }
    }
    await this.outbox.addMany(tx, messages);
    if (queued) this.onQueued();
  }
}
