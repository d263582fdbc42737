import { Injectable } from '@nestjs/common';
import type { StepCommand } from '@shipshape/contracts';
import type { SqlExecutor } from '@shipshape/messaging';
import { DataSource } from 'typeorm';
import { returnedRows } from '../runtime/runtime.registry';
import type { InstanceSpec } from '../runtime/runtime.types';
import type { BakeState } from './gates';
import { FINISHED_STATUSES, type ControlOutcome, type PreparedPlan, type ReleaseControl, type ReleaseRecord, type ReleaseStatus, type ReleaseTarget, type StoredResult } from './release.types';

interface ReleaseRow {
  id: string;
  run_id: string;
  task_id: string;
  stage: string;
  attempt: number;
  application: string;
  command: StepCommand;
  status: ReleaseStatus;
  paused: boolean;
  promote_requested: boolean;
  abort_requested: boolean;
  plan: PreparedPlan | null;
  target: ReleaseTarget | null;
  previous: Record<string, InstanceSpec> | null;
  batch_index: number;
  bake_started_at: Date | null;
  bake: BakeState | null;
  result: StoredResult | null;
  created_at: Date;
  updated_at: Date;
}

function toRecord(row: ReleaseRow): ReleaseRecord {
  return {
    id: row.id,
    runId: row.run_id,
    taskId: row.task_id,
    stage: row.stage,
    attempt: row.attempt,
    application: row.application,
    command: row.command,
    status: row.status,
    paused: row.paused,
    promoteRequested: row.promote_requested,
    abortRequested: row.abort_requested,
    plan: row.plan,
    target: row.target,
    previous: row.previous,
    batchIndex: row.batch_index,
    bakeStartedAt: row.bake_started_at,
    bake: row.bake,
    result: row.result,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Columns the executor moves forward. */
export interface ReleaseUpdate {
  readonly status?: ReleaseStatus;
  readonly plan?: PreparedPlan;
  readonly target?: ReleaseTarget;
  readonly previous?: Readonly<Record<string, InstanceSpec>>;
  readonly batchIndex?: number;
  readonly bakeStartedAt?: Date | null;
  readonly bake?: BakeState | null;
  readonly result?: StoredResult;
  readonly promoteRequested?: boolean;
}

const COLUMNS: Record<keyof ReleaseUpdate, { column: string; json: boolean }> = {
  status: { column: 'status', json: false },
  plan: { column: 'plan', json: true },
  target: { column: 'target', json: true },
  previous: { column: 'previous', json: true },
  batchIndex: { column: 'batch_index', json: false },
  bakeStartedAt: { column: 'bake_started_at', json: false },
  bake: { column: 'bake', json: true },
  result: { column: 'result', json: true },
  promoteRequested: { column: 'promote_requested', json: false },
};

/** The releases table: one row per release step (id = step id), the state a worker resumes from. */
@Injectable()
export class ReleaseStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the step unless it is known; returns the row and whether it is new. */
  async accept(db: SqlExecutor, command: StepCommand): Promise<{ release: ReleaseRecord; created: boolean }> {
    const inserted = (await db.query(
      `INSERT INTO releases (id, run_id, task_id, stage, attempt, application, command, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') ON CONFLICT (id) DO NOTHING RETURNING *`,
      [command.stepId, command.runId, command.taskId, command.stage, command.attempt, command.application.name, JSON.stringify(command)],
    )) as ReleaseRow[];
    if (inserted[0] !== undefined) return { release: toRecord(inserted[0]), created: true };
    const existing = (await db.query('SELECT * FROM releases WHERE id = $1', [command.stepId])) as ReleaseRow[];
    return { release: toRecord(existing[0] as ReleaseRow), created: false };
  }

  async get(id: string, db: SqlExecutor = this.dataSource): Promise<ReleaseRecord | null> {
    const rows = (await db.query('SELECT * FROM releases WHERE id = $1', [id])) as ReleaseRow[];
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  async byRun(runId: string): Promise<ReleaseRecord[]> {
    const rows = (await this.dataSource.query('SELECT * FROM releases WHERE run_id = $1 ORDER BY created_at', [runId])) as ReleaseRow[];
    return rows.map(toRecord);
  }

  /**
   * Takes the oldest active release nobody holds (or whose holder's lease ran out). Releases of one
   * application run one at a time, in the order their steps arrived.
   */
  async claim(owner: string, leaseMs: number): Promise<ReleaseRecord | null> {
    const rows = returnedRows<ReleaseRow>(
      await this.dataSource.query(
        `UPDATE releases SET lease_owner = $1, lease_until = now() + ($2 || ' milliseconds')::interval
         WHERE id = (SELECT r.id FROM releases r
                      WHERE r.status IN ('pending', 'running', 'rolling_back') AND (r.lease_until IS NULL OR r.lease_until < now())
                        AND NOT EXISTS (SELECT 1 FROM releases o WHERE o.application = r.application AND o.id <> r.id
                                          AND o.status IN ('pending', 'running', 'rolling_back') AND (o.created_at, o.id) < (r.created_at, r.id))
                      ORDER BY r.created_at FOR UPDATE SKIP LOCKED LIMIT 1)
         RETURNING *`,
        [owner, String(leaseMs)],
      ),
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  /** Extends the lease; false when another worker holds the release now. */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await this.dataSource.query(`UPDATE releases SET lease_until = now() + ($3 || ' milliseconds')::interval WHERE id = $1 AND lease_owner = $2 RETURNING id`, [
        id,
        owner,
        String(leaseMs),
      ]),
    );
    return rows.length > 0;
  }

  async letGo(id: string, owner: string): Promise<void> {
    await this.dataSource.query('UPDATE releases SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2', [id, owner]);
  }

  async update(id: string, update: ReleaseUpdate, db: SqlExecutor = this.dataSource): Promise<ReleaseRecord> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    for (const [key, value] of Object.entries(update) as [keyof ReleaseUpdate, unknown][]) {
      if (value === undefined) continue;
      const { column, json } = COLUMNS[key];
      values.push(json && value !== null ? JSON.stringify(value) : value);
      sets.push(`${column} = $${values.length}`);
    }
    const rows = returnedRows<ReleaseRow>(await db.query(`UPDATE releases SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *`, values));
    return toRecord(rows[0] as ReleaseRow);
  }

  /** Marks every active release of a run (or task) to be aborted; returns how many. */
  async requestAbort(db: SqlExecutor, of: { runId: string } | { taskId: string }): Promise<number> {
    const [column, value] = 'runId' in of ? ['run_id', of.runId] : ['task_id', of.taskId];
    const rows = returnedRows<{ id: string }>(
      await db.query(
        `UPDATE releases SET abort_requested = true, updated_at = now()
         WHERE ${column} = $1 AND status IN ('pending', 'running') AND NOT abort_requested RETURNING id`,
        [value],
      ),
    );
    return rows.length;
  }

  /**
   * Applies a manual control as a flag on the row; the worker acts on it at its next check. In `tx`
   * when given (a control that came over Kafka commits with its inbox row), else in its own.
   */
  async control(id: string, control: ReleaseControl, tx?: SqlExecutor): Promise<ControlOutcome> {
    if (tx === undefined) return this.dataSource.transaction((own) => this.control(id, control, own));
    const rows = (await tx.query('SELECT * FROM releases WHERE id = $1 FOR UPDATE', [id])) as ReleaseRow[];
    if (rows[0] === undefined) return { kind: 'not-found' } as const;
    const release = toRecord(rows[0]);
    const refuse = (reason: string): ControlOutcome => ({ kind: 'refused', reason, release });
    if (FINISHED_STATUSES.includes(release.status)) return refuse(`release already ${release.status}`);
    if (release.status === 'rolling_back') return refuse('release is rolling back');
    if (release.abortRequested) return refuse('release is being aborted');
    let set: string;
    switch (control) {
      case 'pause':
        if (release.paused) return refuse('release is already paused');
        set = 'paused = true';
        break;
      case 'resume':
        if (!release.paused) return refuse('release is not paused');
        set = 'paused = false';
        break;
      case 'promote':
        set = 'promote_requested = true';
        break;
      case 'abort':
        set = 'abort_requested = true';
        break;
      default: {
        const never: never = control;
        throw new Error(`unknown control ${String(never)}`);
      }
    }
    const updated = returnedRows<ReleaseRow>(await tx.query(`UPDATE releases SET ${set}, updated_at = now() WHERE id = $1 RETURNING *`, [id]));
    return { kind: 'applied', release: toRecord(updated[0] as ReleaseRow) } as const;
  }
}
