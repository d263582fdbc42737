import { randomUUID } from 'node:crypto';
import type { StepCommand, StepResultInput } from '@shipshape/contracts';
import type { OutboxWriter, SqlExecutor } from '@shipshape/messaging';
import { EVENT_TYPES, TOPICS } from '@shipshape/contracts';
import type { DataSource } from 'typeorm';
import type { ReportEntry } from '../recipes/recipe';

export interface ClaimedStep {
  readonly stepId: string;
  readonly command: StepCommand;
  readonly executions: number;
}

/** How long a running step is owned by one worker before another may take it over (crash recovery). */
const LEASE = '15 minutes';

/** Records an accepted step (check before act: a step id already recorded is left as it is). Returns whether it was new. */
export async function recordStep(tx: SqlExecutor, cmd: StepCommand): Promise<boolean> {
  const rows = (await tx.query(
    `INSERT INTO change_steps (step_id, run_id, task_id, stage, application, command)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (step_id) DO NOTHING RETURNING step_id`,
    [cmd.stepId, cmd.runId, cmd.taskId, cmd.stage, cmd.application.name, JSON.stringify(cmd)],
  )) as unknown[];
  return rows.length > 0;
}

/** Takes the oldest pending step (or one whose worker's lease ran out) with FOR UPDATE SKIP LOCKED. */
export async function claimStep(dataSource: DataSource): Promise<ClaimedStep | undefined> {
  const rows = (await dataSource.query(
    `UPDATE change_steps SET state = 'running', executions = executions + 1, locked_until = now() + interval '${LEASE}', updated_at = now()
     WHERE step_id = (
       SELECT step_id FROM change_steps
       WHERE state = 'pending' OR (state = 'running' AND locked_until < now())
       ORDER BY created_at FOR UPDATE SKIP LOCKED LIMIT 1)
     RETURNING step_id, command, executions`,
  )) as [{ step_id: string; command: StepCommand; executions: number }[], number];
  const row = rows[0]?.[0];
  return row ? { stepId: row.step_id, command: row.command, executions: row.executions } : undefined;
}

/** Marks the step done and publishes its result through the outbox, in one transaction. */
export async function completeStep(dataSource: DataSource, outbox: OutboxWriter, result: StepResultInput): Promise<void> {
  await dataSource.transaction(async (tx) => {
    const updated = (await tx.query(
      `UPDATE change_steps SET state = 'done', result = $2, locked_until = NULL, updated_at = now() WHERE step_id = $1 AND state = 'running' RETURNING step_id`,
      [result.stepId, JSON.stringify(result)],
    )) as [unknown[], number];
    if (updated[0].length === 0) return; // someone else completed it
    await outbox.add(tx, { topic: TOPICS.stepResults, key: result.runId, eventType: EVENT_TYPES.stepResult, value: result });
  });
}

export async function findStep(dataSource: DataSource, stepId: string): Promise<{ state: string; executions: number; result: StepResultInput | null } | undefined> {
  const rows = (await dataSource.query('SELECT state, executions, result FROM change_steps WHERE step_id = $1', [stepId])) as {
    state: string;
    executions: number;
    result: StepResultInput | null;
  }[];
  return rows[0];
}

/** The per-dependency report of the run's latest successful change step, if any. */
export async function changeReportOf(dataSource: DataSource, runId: string): Promise<ReportEntry[] | undefined> {
  const rows = (await dataSource.query(
    `SELECT result->'details'->>'report' AS report FROM change_steps
     WHERE run_id = $1 AND stage = 'change' AND state = 'done' AND result->>'outcome' = 'SUCCEEDED' ORDER BY updated_at DESC LIMIT 1`,
    [runId],
  )) as { report: string | null }[];
  const raw = rows[0]?.report;
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as ReportEntry[];
  } catch {
    return undefined; // truncated: the description says so
  }
}

/** Keeps a running step's lease while its worker is still at it (long OpenRewrite runs, big clones). */
export async function extendLease(dataSource: DataSource, stepId: string): Promise<void> {
  await dataSource.query(`UPDATE change_steps SET locked_until = now() + interval '${LEASE}' WHERE step_id = $1 AND state = 'running'`, [stepId]);
}

/** Publishes a PROGRESS StepResult for a running step (its own transaction; the orchestrator shows it, decides nothing). */
export async function publishProgress(dataSource: DataSource, outbox: OutboxWriter, cmd: StepCommand, service: string, phase: string, message: string): Promise<void> {
  const value: StepResultInput = {
    eventId: randomUUID(),
    stepId: cmd.stepId,
    runId: cmd.runId,
    taskId: cmd.taskId,
    stage: cmd.stage,
    attempt: cmd.attempt,
    service,
    outcome: 'PROGRESS',
    occurredAt: Date.now(),
    message,
    progress: { phase, message },
  };
  await dataSource.transaction((tx) => outbox.add(tx, { topic: TOPICS.stepResults, key: cmd.runId, eventType: EVENT_TYPES.stepResult, value }));
}
