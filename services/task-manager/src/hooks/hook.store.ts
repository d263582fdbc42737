import type { SqlExecutor } from '@shipshape/messaging';
import type { ApplicationRecord } from '../catalog/application.schema';
import type { RunHookEffect } from '../orchestration/run-state';
import type { TaskSpec } from '../tasks/task.schema';
import type { HookPayload } from './hook.executor';
import { hookKind, type HookDefinition } from './hook.schema';

export interface QueuedHook {
  readonly runId: string;
  readonly taskId: string;
  readonly effect: RunHookEffect;
  readonly spec: TaskSpec;
  readonly application: ApplicationRecord;
  /** After hooks: the message of the step that succeeded. */
  readonly stepMessage: string | null;
}

/** The hook a run-hook effect names, from the task's pipeline (null when the spec no longer has it). */
export function hookDefinition(spec: TaskSpec, effect: Pick<RunHookEffect, 'stage' | 'phase' | 'index'>): HookDefinition | null {
  return spec.pipeline?.stages.find((s) => s.name === effect.stage)?.[effect.phase]?.[effect.index] ?? null;
}

function payloadOf(h: QueuedHook): HookPayload {
  const { effect, spec, application: a } = h;
  return {
    hookId: effect.hookId,
    phase: effect.phase,
    stage: effect.stage,
    attempt: effect.attempt,
    stepId: effect.stepId,
    outcome: effect.phase === 'after' ? 'SUCCEEDED' : null,
    message: effect.phase === 'after' ? h.stepMessage : null,
    task: { id: h.taskId, kind: spec.kind, component: spec.component, fromRange: spec.fromRange, toVersion: spec.toVersion },
    run: { id: h.runId },
    application: { name: a.name, team: a.team, service: a.service, repositoryUrl: a.repositoryUrl, defaultBranch: a.defaultBranch },
  };
}

/**
 * Records hooks to run, in the transaction that decided them (the hooks worker executes them). A hook
 * id recorded before is never recorded again, so a hook is queued once per (step, phase, index).
 */
export async function queueHooks(tx: SqlExecutor, hooks: readonly QueuedHook[]): Promise<number> {
  if (hooks.length === 0) return 0;
  const rows = hooks.map((h) => ({ h, definition: hookDefinition(h.spec, h.effect) }));
  const inserted = (await tx.query(
    `INSERT INTO run_hooks (hook_id, run_id, task_id, stage, attempt, phase, hook_index, kind, target, timeout_ms, definition, payload)
     SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::text[], $7::int[], $8::text[], $9::text[], $10::bigint[], $11::jsonb[], $12::jsonb[])
     ON CONFLICT (hook_id) DO NOTHING RETURNING hook_id`,
    [
      rows.map((r) => r.h.effect.hookId),
      rows.map((r) => r.h.runId),
      rows.map((r) => r.h.taskId),
      rows.map((r) => r.h.effect.stage),
      rows.map((r) => r.h.effect.attempt),
      rows.map((r) => r.h.effect.phase),
      rows.map((r) => r.h.effect.index),
      rows.map((r) => (r.definition ? hookKind(r.definition) : 'missing')),
      rows.map((r) => r.definition?.url ?? r.definition?.command ?? ''),
      rows.map((r) => r.definition?.timeoutMs ?? 0),
      rows.map((r) => (r.definition ? JSON.stringify(r.definition) : null)),
      rows.map((r) => JSON.stringify(payloadOf(r.h))),
    ],
  )) as unknown[];
  return inserted.length;
}

/** Hooks of these runs not done yet will not run (their run was aborted). */
export async function cancelHooks(tx: SqlExecutor, runIds: readonly string[]): Promise<void> {
  if (runIds.length === 0) return;
  await tx.query(`UPDATE run_hooks SET status = 'abandoned', finished_at = now(), lease_until = NULL WHERE run_id = ANY($1::uuid[]) AND status IN ('pending', 'running')`, [runIds]);
}

/** A run's hooks for the REST view (definitions without secrets). */
export async function hooksOfRun(db: SqlExecutor, runId: string): Promise<unknown[]> {
  return (await db.query(
    `SELECT hook_id AS "hookId", stage, attempt, phase, hook_index AS "index", kind, target, timeout_ms::int AS "timeoutMs", status, attempts,
            created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt", error_class AS "errorClass", message,
            exit_code AS "exitCode", http_status AS "httpStatus", duration_ms AS "durationMs", output
       FROM run_hooks WHERE run_id = $1 ORDER BY created_at, hook_id`,
    [runId],
  )) as unknown[];
}
