import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { transactionWithRetry } from '../db/transaction-retry';
import { conflict, notFound, requireUuid } from '../http/validation';
import { RunEngine } from '../orchestration/run-engine';
import type { ControlEvent, RunState } from '../orchestration/run-state';

export interface RunView {
  readonly id: string;
  readonly taskId: string;
  readonly application: string;
  readonly team: string;
  readonly status: string;
  readonly paused: boolean;
  readonly state: RunState;
  readonly steps: readonly unknown[];
  readonly resources: readonly unknown[];
}

@Injectable()
export class RunsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: RunEngine,
  ) {}

  async get(id: string): Promise<RunView> {
    requireUuid('run', id);
    const rows = (await this.dataSource.query(`SELECT id, task_id, application->>'name' AS application, team, status, paused, state FROM runs WHERE id = $1`, [id])) as Array<{
      id: string;
      task_id: string;
      application: string;
      team: string;
      status: string;
      paused: boolean;
      state: RunState;
    }>;
    const row = rows[0];
    if (row === undefined) throw notFound('run', id);
    const steps = await this.dataSource.query(
      `SELECT step_id AS "stepId", stage, attempt, service, status, queued_at AS "queuedAt", dispatched_at AS "dispatchedAt", deadline,
              finished_at AS "finishedAt", error_class AS "errorClass", message, usage
         FROM steps WHERE run_id = $1 ORDER BY queued_at, step_id`,
      [id],
    );
    const resources = await this.dataSource.query(
      `SELECT kind, resource_id AS id, attributes, acquired_by AS "acquiredBy", status, release_step_id AS "releaseStepId" FROM run_resources WHERE run_id = $1 ORDER BY kind, resource_id`,
      [id],
    );
    return { id: row.id, taskId: row.task_id, application: row.application, team: row.team, status: row.status, paused: row.paused, state: row.state, steps, resources };
  }

  /** Applies a control; an illegal one is a 409 that says why. */
  async control(id: string, control: ControlEvent): Promise<RunView> {
    requireUuid('run', id);
    const result = await transactionWithRetry(this.dataSource, (tx) => this.engine.apply(tx, id, { type: 'control', control }));
    if (result === null) throw notFound('run', id);
    if (result.kind === 'refused') throw conflict(result.reason, { control: result.control });
    if (result.kind === 'ignored') throw conflict(result.reason);
    return this.get(id);
  }
}
