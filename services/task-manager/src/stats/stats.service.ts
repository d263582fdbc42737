import { Inject, Injectable } from '@nestjs/common';
import { ERROR_CLASS_POLICY, isErrorClass } from '@shipshape/contracts';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import { DataSource } from 'typeorm';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { notFound, requireUuid } from '../http/validation';

export interface Statistics {
  readonly scope: { readonly tasks: number; readonly runs: number; readonly applications: number; readonly teams: number };
  readonly runsByStatus: Record<string, number>;
  /** Runs that succeeded with no retry and no manual action, over runs that ended (not counting not-applicable). */
  readonly oneShotSuccess: { readonly rate: number | null; readonly oneShot: number; readonly ended: number };
  /** Dispatch to result of succeeded steps, per stage. */
  readonly stageDurationsMs: Record<string, { readonly p50: number; readonly p95: number; readonly count: number }>;
  /** Failed runs by the error class of the stage that failed them, and by its root cause (ARCHITECTURE.md). */
  readonly failedRunsByErrorClass: Record<string, number>;
  readonly failedRunsByRootCause: Record<string, number>;
  /** Every failed step attempt (retried ones included) by error class. */
  readonly failedStepsByErrorClass: Record<string, number>;
  readonly resourcesUsed: { readonly testEnvironmentMinutes: number; readonly buildMinutes: number; readonly stepCpuMinutes: number };
  readonly estimatedPersonDaysSaved: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

@Injectable()
export class StatsService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
  ) {}

  async forTask(taskId: string): Promise<Statistics> {
    requireUuid('task', taskId);
    const found = await this.dataSource.query('SELECT 1 FROM tasks WHERE id = $1', [taskId]);
    if (found.length === 0) throw notFound('task', taskId);
    return this.compute(taskId);
  }

  overall(): Promise<Statistics> {
    return this.compute(null);
  }

  private async compute(taskId: string | null): Promise<Statistics> {
    const q = <T>(sql: string) => this.dataSource.query(sql, [taskId]) as Promise<T[]>;
    const [scope] = await q<{ tasks: number; runs: number; applications: number; teams: number }>(
      `SELECT count(DISTINCT task_id)::int AS tasks, count(*)::int AS runs, count(DISTINCT application_id)::int AS applications, count(DISTINCT team)::int AS teams
         FROM runs WHERE $1::uuid IS NULL OR task_id = $1`,
    );
    const byStatus = await q<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM runs WHERE $1::uuid IS NULL OR task_id = $1 GROUP BY status`);
    const [oneShot] = await q<{ one_shot: number; ended: number }>(
      `SELECT count(*) FILTER (WHERE status = 'succeeded' AND (state->>'retries')::int = 0 AND (state->>'manualActions')::int = 0)::int AS one_shot,
              count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'aborted'))::int AS ended
         FROM runs WHERE $1::uuid IS NULL OR task_id = $1`,
    );
    const durations = await q<{ stage: string; p50: number; p95: number; n: number }>(
      `SELECT stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95, count(*)::int AS n
         FROM (SELECT stage, extract(epoch FROM finished_at - dispatched_at) * 1000 AS ms FROM steps
                WHERE status = 'succeeded' AND ($1::uuid IS NULL OR task_id = $1)) d
        GROUP BY stage ORDER BY stage`,
    );
    const failedRuns = await q<{ error_class: string | null; n: number }>(
      `SELECT s->>'lastErrorClass' AS error_class, count(*)::int AS n
         FROM runs r, jsonb_array_elements(r.state->'stages') s
        WHERE r.status = 'failed' AND s->>'status' = 'failed' AND ($1::uuid IS NULL OR r.task_id = $1)
        GROUP BY 1`,
    );
    const failedSteps = await q<{ error_class: string; n: number }>(
      `SELECT error_class, count(*)::int AS n FROM steps WHERE error_class IS NOT NULL AND ($1::uuid IS NULL OR task_id = $1) GROUP BY error_class`,
    );
    const [usage] = await q<{ env_ms: number | null; build_ms: number | null; cpu_ms: number | null }>(
      `SELECT sum(CASE WHEN stage IN ('test-deploy', 'test-verify') THEN COALESCE(NULLIF((usage->>'durationMs')::bigint, 0), extract(epoch FROM finished_at - dispatched_at) * 1000) END)::float8 AS env_ms,
              sum(COALESCE((usage->'metrics'->>'buildMs')::float8, (usage->'metrics'->>'buildSeconds')::float8 * 1000,
                           (usage->'metrics'->>'buildCpuSeconds')::float8 * 1000))::float8 AS build_ms,
              sum((usage->>'cpuMillis')::bigint)::float8 AS cpu_ms
         FROM steps WHERE finished_at IS NOT NULL AND ($1::uuid IS NULL OR task_id = $1)`,
    );
    const [saved] = await q<{ days: number | null }>(
      `SELECT sum(COALESCE((t.spec->>'manualCostDays')::float8, ${Number(this.config.MANUAL_COST_DAYS_PER_APPLICATION)}))::float8 AS days
         FROM runs r JOIN tasks t ON t.id = r.task_id
        WHERE r.status = 'succeeded' AND NOT r.sample AND ($1::uuid IS NULL OR r.task_id = $1)`,
    );
    const failedRunsByErrorClass: Record<string, number> = {};
    const failedRunsByRootCause: Record<string, number> = {};
    for (const f of failedRuns) {
      const errorClass = f.error_class ?? 'INTERNAL';
      failedRunsByErrorClass[errorClass] = (failedRunsByErrorClass[errorClass] ?? 0) + f.n;
      const rootCause = isErrorClass(errorClass) ? ERROR_CLASS_POLICY[errorClass].rootCause : 'platform';
      failedRunsByRootCause[rootCause] = (failedRunsByRootCause[rootCause] ?? 0) + f.n;
    }
    return {
      scope: scope ?? { tasks: 0, runs: 0, applications: 0, teams: 0 },
      runsByStatus: Object.fromEntries(byStatus.map((s) => [s.status, s.n])),
      oneShotSuccess: { rate: oneShot && oneShot.ended > 0 ? round(oneShot.one_shot / oneShot.ended, 4) : null, oneShot: oneShot?.one_shot ?? 0, ended: oneShot?.ended ?? 0 },
      stageDurationsMs: Object.fromEntries(durations.map((d) => [d.stage, { p50: round(d.p50, 1), p95: round(d.p95, 1), count: d.n }])),
      failedRunsByErrorClass,
      failedRunsByRootCause,
      failedStepsByErrorClass: Object.fromEntries(failedSteps.map((f) => [f.error_class, f.n])),
      resourcesUsed: {
        testEnvironmentMinutes: round((usage?.env_ms ?? 0) / 60_000),
        buildMinutes: round((usage?.build_ms ?? 0) / 60_000),
        stepCpuMinutes: round((usage?.cpu_ms ?? 0) / 60_000),
      },
      estimatedPersonDaysSaved: round(saved?.days ?? 0),
    };
  }
}
