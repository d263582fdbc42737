import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TYPES, type RunEventInput } from '@shipshape/contracts';
import { versionInRange } from '@shipshape/manifests';
import { OutboxWriter, type SqlExecutor } from '@shipshape/messaging';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import { DataSource } from 'typeorm';
import type { ApplicationRecord } from '../catalog/application.schema';
import { toRecord } from '../catalog/catalog.service';
import { transactionWithRetry } from '../db/transaction-retry';
import { redactHookSecrets } from '../hooks/hook.schema';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { badRequest, conflict, fieldErrors, notFound, requireUuid, type FieldError } from '../http/validation';
import { initialRunState, isFinished } from '../orchestration/run-machine';
import { RunEngine } from '../orchestration/run-engine';
import type { ControlEvent, RunStatus } from '../orchestration/run-state';
import { DetectionClient } from './detection.client';
import { canonicalEcosystem, resolvePipeline, taskSchema, type TaskSpec } from './task.schema';

export const TASK_STATUSES = ['planned', 'running', 'paused', 'aborted', 'finished'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface PlannedRun {
  readonly runId: string;
  readonly application: string;
  readonly team: string;
  readonly service: string;
  readonly stages: readonly string[];
}

export interface TaskView {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly status: TaskStatus;
  readonly spec: TaskSpec;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly runsByStatus: Partial<Record<RunStatus, number>>;
}

/** What detection-service's inventory said about a `usingComponent` selection (versions: source and runtime). */
export interface InventorySelection {
  readonly component: { readonly ecosystem: string; readonly name: string };
  readonly fromRange: string;
  /** Selected: in the catalog (and the other selectors), at a version in range. */
  readonly applications: Array<{ application: string; versions: string[] }>;
  /** In the catalog and the other selectors, but at no version in range. */
  readonly outOfRange: Array<{ application: string; versions: string[] }>;
  /** Using the component, but not in the catalog or not matched by the other selectors. */
  readonly notSelected: Array<{ application: string; versions: string[] }>;
}

export interface TaskPlan {
  readonly task: TaskView;
  readonly plan: { readonly total: number; readonly dryRunSample: boolean; readonly runs: readonly PlannedRun[]; readonly inventory?: InventorySelection };
}

export interface TaskControlOutcome {
  readonly task: TaskView;
  readonly applied: number;
  /** Runs the control did not apply to, with why (finished runs, already paused, ...). */
  readonly refused: ReadonlyArray<{ readonly runId: string; readonly reason: string }>;
}

/** A sample spread across teams: round-robin over teams (sorted), each team's applications by name. */
export function spreadSample(applications: readonly ApplicationRecord[], size: number): ApplicationRecord[] {
  const byTeam = new Map<string, ApplicationRecord[]>();
  for (const a of [...applications].sort((x, y) => x.name.localeCompare(y.name))) byTeam.set(a.team, [...(byTeam.get(a.team) ?? []), a]);
  const queues = [...byTeam.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([, list]) => list);
  const out: ApplicationRecord[] = [];
  while (out.length < size && queues.some((q) => q.length > 0)) {
    for (const q of queues) {
      const next = q.shift();
      if (next && out.length < size) out.push(next);
    }
  }
  return out;
}

interface TaskRow {
  id: string;
  name: string;
  kind: string;
  status: TaskStatus;
  spec: TaskSpec;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

@Injectable()
export class TasksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: RunEngine,
    private readonly outbox: OutboxWriter,
    private readonly detection: DetectionClient,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
  ) {}

  /** Validates a task, resolves its selection into one run per application and returns the plan (not started). */
  async create(body: unknown): Promise<TaskPlan> {
    const parsed = taskSchema.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(fieldErrors(parsed.error));
    const spec = parsed.data;
    const { teams, services, applications: names, usingComponent } = spec.selection;
    const byName = teams.length + services.length + names.length > 0;
    const rows = await this.dataSource.query(
      `SELECT * FROM applications WHERE team = ANY($1::text[]) OR service = ANY($2::text[]) OR name = ANY($3::text[]) OR ($4 AND NOT $5) ORDER BY name`,
      [teams, services, names, usingComponent, byName],
    );
    const named = (rows as Parameters<typeof toRecord>[0][]).map(toRecord);
    const errors: FieldError[] = [];
    const selected = named.filter((a) => !byName || teams.includes(a.team) || services.includes(a.service) || names.includes(a.name));
    names.forEach((n, i) => {
      if (!selected.some((a) => a.name === n)) errors.push({ field: `selection.applications[${i}]`, message: `no application named ${n}` });
    });
    teams.forEach((t, i) => {
      if (!selected.some((a) => a.team === t)) errors.push({ field: `selection.teams[${i}]`, message: `no application of team ${t}` });
    });
    services.forEach((s, i) => {
      if (!selected.some((a) => a.service === s)) errors.push({ field: `selection.services[${i}]`, message: `no application of service ${s}` });
    });
    if (errors.length > 0) throw badRequest(errors);
    const inventory = usingComponent ? await this.dependents(spec, selected) : undefined;
    const chosen = inventory === undefined ? selected : selected.filter((a) => inventory.applications.some((d) => d.application === a.name));

    const sample = spec.dryRun === undefined ? chosen : spreadSample(chosen, spec.dryRun.count ?? Math.max(1, Math.ceil(((spec.dryRun.percent ?? 0) * chosen.length) / 100)));
    const stages = resolvePipeline(spec);
    const definition = { stages, approval: spec.approval, dryRun: spec.dryRun !== undefined };
    const taskId = randomUUID();
    const name = spec.name ?? `${spec.component.coordinates} ${spec.fromRange} → ${spec.toVersion}${spec.dryRun ? ' (dry run)' : ''}`;
    const runs: PlannedRun[] = sample.map((a) => ({ runId: randomUUID(), application: a.name, team: a.team, service: a.service, stages: stages.map((s) => s.name) }));
    await this.dataSource.transaction(async (tx) => {
      await tx.query(`INSERT INTO tasks (id, name, kind, status, spec) VALUES ($1, $2, $3, 'planned', $4)`, [taskId, name, spec.kind, JSON.stringify(spec)]);
      await tx.query(
        `INSERT INTO runs (id, task_id, application_id, application, team, sample, status, state)
         SELECT u.id, $1, u.app_id, u.app, u.team, $2, 'pending', u.state
           FROM unnest($3::uuid[], $4::uuid[], $5::jsonb[], $6::text[], $7::jsonb[]) AS u(id, app_id, app, team, state)`,
        [
          taskId,
          spec.dryRun !== undefined,
          runs.map((r) => r.runId),
          sample.map((a) => a.id),
          sample.map((a) => JSON.stringify(a)),
          sample.map((a) => a.team),
          runs.map((r) => JSON.stringify(initialRunState(r.runId, definition))),
        ],
      );
    });
    return { task: await this.get(taskId), plan: { total: runs.length, dryRunSample: spec.dryRun !== undefined, runs, ...(inventory ? { inventory } : {}) } };
  }

  /**
   * Which of the selected catalog applications detection-service's inventory says use the task's
   * component at a version (declared in source or loaded at runtime) in the task's source range.
   * detection unreachable or answering garbage: 503 (DetectionClient); nobody in range: 400.
   */
  private async dependents(spec: TaskSpec, candidates: readonly ApplicationRecord[]): Promise<InventorySelection> {
    const field = 'selection.usingComponent';
    const component = { ecosystem: canonicalEcosystem(spec.component.ecosystem), name: spec.component.coordinates };
    const usage = await this.detection.usage(component, field);
    const inCatalog = new Set(candidates.map((a) => a.name));
    const selection: InventorySelection = { component, fromRange: spec.fromRange, applications: [], outOfRange: [], notSelected: [] };
    for (const u of usage) {
      const versions = [...new Set([...u.sourceVersions, ...u.runtimeVersions])];
      const entry = { application: u.application, versions };
      if (!inCatalog.has(u.application)) selection.notSelected.push(entry);
      else if (versions.some((v) => versionInRange(v, spec.fromRange))) selection.applications.push(entry);
      else selection.outOfRange.push(entry);
    }
    if (selection.applications.length === 0) {
      const elsewhere = selection.outOfRange.map((o) => `${o.application} (${o.versions.join(', ') || 'version unresolved'})`).join(', ');
      throw badRequest([
        {
          field,
          message: `detection-service's inventory lists no selected application using ${component.ecosystem} ${component.name} at a version in ${spec.fromRange}${elsewhere ? `; out of range: ${elsewhere}` : ''}`,
        },
      ]);
    }
    return selection;
  }

  private async row(tx: SqlExecutor, id: string, lock = false): Promise<TaskRow> {
    requireUuid('task', id);
    const rows = (await tx.query(`SELECT * FROM tasks WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])) as TaskRow[];
    if (rows.length === 0) throw notFound('task', id);
    return rows[0]!;
  }

  async get(id: string, tx: SqlExecutor = this.dataSource): Promise<TaskView> {
    const row = await this.row(tx, id);
    const counts = (await tx.query('SELECT status, count(*)::int AS n FROM runs WHERE task_id = $1 GROUP BY status', [id])) as Array<{ status: RunStatus; n: number }>;
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      status: row.status,
      spec: redactHookSecrets(row.spec),
      createdAt: row.created_at.toISOString(),
      startedAt: row.started_at?.toISOString() ?? null,
      finishedAt: row.finished_at?.toISOString() ?? null,
      runsByStatus: Object.fromEntries(counts.map((c) => [c.status, c.n])),
    };
  }

  async list(): Promise<TaskView[]> {
    const ids = (await this.dataSource.query('SELECT id FROM tasks ORDER BY created_at DESC LIMIT 500')) as Array<{ id: string }>;
    return Promise.all(ids.map((r) => this.get(r.id)));
  }

  async runs(id: string): Promise<unknown[]> {
    await this.row(this.dataSource, id);
    return this.dataSource.query(
      `SELECT id, application->>'name' AS application, team, status, paused, sample, started_at AS "startedAt", finished_at AS "finishedAt"
         FROM runs WHERE task_id = $1 ORDER BY application->>'name'`,
      [id],
    );
  }

  private taskEvent(taskId: string, transition: RunEventInput['transition'], message: string) {
    const value: RunEventInput = { eventId: randomUUID(), occurredAt: Date.now(), scope: 'TASK', transition, taskId, message };
    return { topic: this.config.RUN_EVENTS_TOPIC, key: taskId, eventType: EVENT_TYPES.runEvent, value };
  }

  /** Starts every run of a planned task (409 when it was started before). */
  async start(id: string): Promise<TaskView> {
    return transactionWithRetry(this.dataSource, async (tx) => {
      const task = await this.row(tx, id, true);
      if (task.status !== 'planned') throw conflict(`task is ${task.status}; only a planned task can be started`);
      await tx.query(`UPDATE tasks SET status = 'running', started_at = now() WHERE id = $1`, [id]);
      await this.outbox.add(tx, this.taskEvent(id, 'STARTED', 'task started'));
      const runs = (await tx.query(`SELECT id FROM runs WHERE task_id = $1 ORDER BY id`, [id])) as Array<{ id: string }>;
      await this.engine.applyMany(tx, runs.map((r) => r.id), { type: 'start' });
      return this.get(id, tx);
    });
  }

  /**
   * pause | resume | abort every run of a task that the control applies to. It locks the runs in id
   * order while a result batch locks them in message order, so the two can deadlock; Postgres then
   * cancels one, and when it is this one the whole control runs again (transactionWithRetry).
   */
  async control(id: string, type: 'pause' | 'resume' | 'abort'): Promise<TaskControlOutcome> {
    return transactionWithRetry(this.dataSource, async (tx) => {
      const task = await this.row(tx, id, true);
      const allowed: Record<typeof type, readonly TaskStatus[]> = { pause: ['running'], resume: ['paused'], abort: ['running', 'paused', 'planned'] };
      if (!allowed[type].includes(task.status)) throw conflict(`task is ${task.status}; cannot ${type} it`);
      const next: Record<typeof type, TaskStatus> = { pause: 'paused', resume: 'running', abort: 'aborted' };
      await tx.query(`UPDATE tasks SET status = $2, finished_at = CASE WHEN $2 = 'aborted' THEN now() ELSE finished_at END WHERE id = $1`, [id, next[type]]);
      await this.outbox.add(tx, this.taskEvent(id, type === 'abort' ? 'ABORTED' : 'PROGRESS', `task ${next[type]}`));
      const runs = (await tx.query(`SELECT id, status FROM runs WHERE task_id = $1 ORDER BY id`, [id])) as Array<{ id: string; status: RunStatus }>;
      const control: ControlEvent = type === 'abort' ? { type, reason: 'task aborted' } : { type };
      const targets = runs.filter((r) => type === 'abort' || !isFinished(r.status)).map((r) => r.id);
      const results = await this.engine.applyMany(tx, targets, { type: 'control', control });
      let applied = 0;
      const refused: Array<{ runId: string; reason: string }> = [];
      results.forEach((result, i) => {
        if (result?.kind === 'applied') applied++;
        else if (result?.kind === 'refused') refused.push({ runId: targets[i]!, reason: result.reason });
      });
      return { task: await this.get(id, tx), applied, refused };
    });
  }
}
