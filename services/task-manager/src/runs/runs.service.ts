import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TYPES, type StepCommand, type StepControl } from '@shipshape/contracts';
import { OutboxWriter } from '@shipshape/messaging';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { transactionWithRetry } from '../db/transaction-retry';
import { hooksOfRun } from '../hooks/hook.store';
import { conflict, notFound, requireUuid } from '../http/validation';
import { RunEngine, commandsTopic } from '../orchestration/run-engine';
import { RELEASE_CONTROLS, type ControlEvent, type ReleaseControl, type RunState } from '../orchestration/run-state';

export { RELEASE_CONTROLS, type ReleaseControl };

const STEP_CONTROL: Readonly<Record<ReleaseControl, StepControl>> = { pause: 'PAUSE', resume: 'RESUME', promote: 'PROMOTE', abort: 'ABORT' };

export interface ReleaseControlView {
  readonly runId: string;
  /** The release step the control goes to. */
  readonly stepId: string;
  readonly control: ReleaseControl;
  /** The StepCommand's eventId (release-service applies each control once). */
  readonly commandId: string;
}

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
  /** Stage hooks queued, running and done, with their outcome and output. */
  readonly hooks: readonly unknown[];
}

@Injectable()
export class RunsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: RunEngine,
    private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
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
    const hooks = await hooksOfRun(this.dataSource, id);
    return { id: row.id, taskId: row.task_id, application: row.application, team: row.team, status: row.status, paused: row.paused, state: row.state, steps, resources, hooks };
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

  /**
   * Sends a control (pause, resume, promote, abort) to the run's release step in progress: the step's
   * command again with `control` set and a new eventId, through the outbox to release-service, which
   * applies it to that release (idempotently). The run machine records it as a manual action (the run is
   * no longer one-shot) and publishes a STAGE PROGRESS run event naming the control, in the same
   * transaction. 409 when the run has no release step dispatched. What release-service then does shows in
   * the step's progress and result (an abort ends the run aborted).
   */
  async releaseControl(id: string, control: ReleaseControl): Promise<ReleaseControlView> {
    requireUuid('run', id);
    return transactionWithRetry(this.dataSource, async (tx) => {
      const commandId = randomUUID();
      const result = await this.engine.apply(tx, id, { type: 'control', control: { type: 'release-control', control, commandId } });
      if (result === null) throw notFound('run', id);
      if (result.kind !== 'applied') throw conflict(`run ${id} has ${result.reason}`, { control });
      const stepId = result.state.stages.find((s) => s.name === 'release')?.stepId;
      if (!stepId) throw new Error('run machine applied a release control without a release step');
      const steps = (await tx.query(`SELECT status, command, (extract(epoch FROM deadline) * 1000)::bigint AS deadline FROM steps WHERE step_id = $1`, [stepId])) as Array<{
        status: string;
        command: Omit<StepCommand, 'eventId' | 'issuedAt' | 'deadline'>;
        deadline: string | null;
      }>;
      const step = steps[0];
      // Throwing rolls the transaction back: nothing recorded, nothing published.
      if (step?.status !== 'dispatched') throw conflict(`release step ${stepId} is ${step?.status ?? 'unknown'}, not in progress in release-service`, { control });
      const now = Date.now();
      const value: StepCommand = { ...step.command, eventId: commandId, issuedAt: now, deadline: step.deadline === null ? now : Number(step.deadline), control: STEP_CONTROL[control] };
      await this.outbox.add(tx, { topic: commandsTopic(this.config, 'release'), key: id, eventType: EVENT_TYPES.stepCommand, value });
      return { runId: id, stepId, control, commandId };
    });
  }
}
