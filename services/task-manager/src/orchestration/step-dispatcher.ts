import { Inject, Injectable } from '@nestjs/common';
import type { StepCommand } from '@shipshape/contracts';
import { OutboxWriter } from '@shipshape/messaging';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import { DataSource } from 'typeorm';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { RELEASE_STAGES } from './pipeline';
import { commandMessage } from './run-engine';

/** One advisory lock for every task-manager process: throttle decisions are made by one at a time. */
export const DISPATCH_LOCK_KEY = 7_310_001;

export interface QueuedStep {
  step_id: string;
  task_id: string;
  stage: string;
  team: string;
  timeout_ms: string;
  stage_limit: number | null;
  task_limit: number | null;
  command: StepCommand;
}

export interface ThrottleLimits {
  readonly global?: number;
  readonly perTeam?: number;
  readonly perStage: Readonly<Record<string, number>>;
  readonly ratePerHour: Readonly<Record<string, number>>;
}

export interface InFlight {
  /** Steps in flight (dispatched, no result yet), by scope. */
  total: number;
  byTeam: Map<string, number>;
  byStage: Map<string, number>;
  byTaskStage: Map<string, number>;
  byTask: Map<string, number>;
  hourByStage: Map<string, number>;
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

function admissible(s: QueuedStep, limits: ThrottleLimits, inFlight: InFlight): boolean {
  if (limits.perTeam !== undefined && (inFlight.byTeam.get(s.team) ?? 0) >= limits.perTeam) return false;
  const stageLimit = limits.perStage[s.stage];
  if (stageLimit !== undefined && (inFlight.byStage.get(s.stage) ?? 0) >= stageLimit) return false;
  if (s.stage_limit !== null && (inFlight.byTaskStage.get(`${s.task_id}/${s.stage}`) ?? 0) >= s.stage_limit) return false;
  if (s.task_limit !== null && (inFlight.byTask.get(s.task_id) ?? 0) >= s.task_limit) return false;
  const rate = limits.ratePerHour[s.stage];
  return rate === undefined || (inFlight.hourByStage.get(s.stage) ?? 0) < rate;
}

/**
 * Pure: which queued steps (oldest first) may leave now without any limit being exceeded, in fair
 * order: each admission goes to the task with the fewest steps in flight, within it to the team with
 * the fewest, then to the oldest step (max-min fair share, so a big or early task cannot starve the
 * others). Counters are updated as steps are admitted, so one round never overshoots.
 */
export function admit(queue: readonly QueuedStep[], limits: ThrottleLimits, inFlight: InFlight, max = 500): QueuedStep[] {
  const out: QueuedStep[] = [];
  const pending = [...queue];
  while (out.length < max && pending.length > 0) {
    if (limits.global !== undefined && inFlight.total >= limits.global) break;
    let best = -1;
    for (let i = 0; i < pending.length; i++) {
      const s = pending[i]!;
      if (!admissible(s, limits, inFlight)) continue;
      if (best === -1) {
        best = i;
        continue;
      }
      const b = pending[best]!;
      const byTask = (inFlight.byTask.get(s.task_id) ?? 0) - (inFlight.byTask.get(b.task_id) ?? 0);
      const byTeam = (inFlight.byTeam.get(s.team) ?? 0) - (inFlight.byTeam.get(b.team) ?? 0);
      if (byTask < 0 || (byTask === 0 && byTeam < 0)) best = i;
    }
    if (best === -1) break;
    const [s] = pending.splice(best, 1) as [QueuedStep];
    inFlight.total++;
    bump(inFlight.byTeam, s.team);
    bump(inFlight.byStage, s.stage);
    bump(inFlight.byTaskStage, `${s.task_id}/${s.stage}`);
    bump(inFlight.byTask, s.task_id);
    bump(inFlight.hourByStage, s.stage);
    out.push(s);
  }
  return out;
}

/**
 * Dispatches steps queued behind throttles: global, per-team and per-stage concurrency and per-stage
 * rate limits from config (shared by all tasks), per-task stage concurrency and per-task limits.
 * Waiting steps are taken in fair order (see admit). Release steps are never throttled (they give capacity back).
 */
@Injectable()
export class StepDispatcher {
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
  ) {}

  private get limits(): ThrottleLimits {
    return {
      global: this.config.THROTTLE_GLOBAL_CONCURRENCY,
      perTeam: this.config.THROTTLE_TEAM_CONCURRENCY,
      perStage: this.config.THROTTLE_STAGE_CONCURRENCY,
      ratePerHour: this.config.THROTTLE_STAGE_RATE_PER_HOUR,
    };
  }

  /** Asks for a dispatch round soon (debounced); the pollers call dispatchQueued regularly anyway. */
  kick(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.dispatchQueued().catch(() => undefined);
    }, 10);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One dispatch round at a time per process; a request during a round runs one more round. */
  async dispatchQueued(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.round();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async round(): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const [lock] = (await tx.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [DISPATCH_LOCK_KEY])) as Array<{ ok: boolean }>;
      if (!lock?.ok) return 0; // another process is dispatching
      const queue = (await tx.query(
        `SELECT step_id, task_id, stage, team, timeout_ms, stage_limit, task_limit, command
           FROM steps WHERE status = 'queued' ORDER BY queued_at, step_id LIMIT 2000`,
      )) as QueuedStep[];
      if (queue.length === 0) return 0;
      const inFlight: InFlight = { total: 0, byTeam: new Map(), byStage: new Map(), byTaskStage: new Map(), byTask: new Map(), hourByStage: new Map() };
      const active = (await tx.query(
        `SELECT task_id, stage, team, count(*)::int AS n FROM steps
          WHERE status = 'dispatched' AND stage <> ALL($1::text[]) GROUP BY task_id, stage, team`,
        [[...RELEASE_STAGES]],
      )) as Array<{ task_id: string; stage: string; team: string; n: number }>;
      for (const a of active) {
        inFlight.total += a.n;
        inFlight.byTeam.set(a.team, (inFlight.byTeam.get(a.team) ?? 0) + a.n);
        inFlight.byStage.set(a.stage, (inFlight.byStage.get(a.stage) ?? 0) + a.n);
        inFlight.byTaskStage.set(`${a.task_id}/${a.stage}`, (inFlight.byTaskStage.get(`${a.task_id}/${a.stage}`) ?? 0) + a.n);
        inFlight.byTask.set(a.task_id, (inFlight.byTask.get(a.task_id) ?? 0) + a.n);
      }
      const rated = Object.keys(this.limits.ratePerHour);
      if (rated.length > 0) {
        const hour = (await tx.query(
          `SELECT stage, count(*)::int AS n FROM steps WHERE stage = ANY($1::text[]) AND dispatched_at > now() - interval '1 hour' GROUP BY stage`,
          [rated],
        )) as Array<{ stage: string; n: number }>;
        for (const h of hour) inFlight.hourByStage.set(h.stage, h.n);
      }
      const chosen = admit(queue, this.limits, inFlight);
      if (chosen.length === 0) return 0;
      await tx.query(
        `UPDATE steps s SET status = 'dispatched', dispatched_at = now(), deadline = now() + s.timeout_ms * interval '1 millisecond'
          WHERE step_id = ANY($1::text[]) AND status = 'queued'`,
        [chosen.map((c) => c.step_id)],
      );
      const now = Date.now();
      await this.outbox.addMany(
        tx,
        chosen.map((c) => commandMessage(this.config, { command: c.command, timeoutMs: Number(c.timeout_ms) }, now)),
      );
      return chosen.length;
    });
  }
}
