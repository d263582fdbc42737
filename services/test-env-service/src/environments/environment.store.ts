import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { EnvironmentRecord, EnvironmentSpec, EnvironmentState, EnvironmentUsage, PhaseFailure, ProcessRegistry } from './environment.types';

/** What the store needs of a TypeORM DataSource (tests and child processes pass their own). */
export type Database = Pick<DataSource, 'query' | 'transaction'>;

interface Row {
  id: string;
  step_id: string;
  run_id: string;
  driver: string;
  state: EnvironmentState;
  owner: string;
  workspace: string;
  log_dir: string;
  port: number | null;
  process_groups: number[];
  spec: EnvironmentSpec;
  failure: PhaseFailure | null;
  usage: Partial<EnvironmentUsage>;
  created_at: Date;
  ready_at: Date | null;
  expires_at: Date;
}

export interface StoredEnvironment extends EnvironmentRecord {
  readonly failure: PhaseFailure | null;
}

function toRecord(r: Row): StoredEnvironment {
  return {
    id: r.id,
    stepId: r.step_id,
    runId: r.run_id,
    driver: r.driver,
    state: r.state,
    owner: r.owner,
    workspace: r.workspace,
    logDir: r.log_dir,
    port: r.port,
    processGroups: r.process_groups.map(Number),
    spec: r.spec,
    failure: r.failure,
    createdAt: r.created_at,
    readyAt: r.ready_at,
    expiresAt: r.expires_at,
    usage: { buildCpuSeconds: r.usage.buildCpuSeconds ?? null, testCpuSeconds: r.usage.testCpuSeconds ?? null, environmentSeconds: r.usage.environmentSeconds ?? null },
  };
}

/** Deterministic environment id of a deploy step: a repeated deploy finds the same environment. */
export function environmentIdFor(stepId: string): string {
  return `env-${createHash('sha256').update(stepId).digest('hex').slice(0, 20)}`;
}

const SLOT_LOCK = "hashtext('shipshape.test-env.slots')";

export interface NewEnvironment {
  readonly stepId: string;
  readonly runId: string;
  readonly driver: string;
  readonly owner: string;
  readonly workspace: string;
  readonly logDir: string;
  readonly spec: EnvironmentSpec;
  readonly ttlSeconds: number;
}

/** Environments in Postgres: identity, queue, process groups, states. UPDATEs go through a CTE so TypeORM returns plain rows. */
export class EnvironmentStore implements ProcessRegistry {
  constructor(private readonly db: Database) {}

  async find(id: string): Promise<StoredEnvironment | null> {
    const rows: Row[] = await this.db.query('SELECT * FROM environments WHERE id = $1', [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Creates the environment of a deploy step in state waiting, or returns the one it already has. */
  async findOrCreate(id: string, env: NewEnvironment): Promise<{ env: StoredEnvironment; created: boolean }> {
    const rows: Row[] = await this.db.query(
      `INSERT INTO environments (id, step_id, run_id, driver, state, owner, workspace, log_dir, spec, expires_at)
       VALUES ($1, $2, $3, $4, 'waiting', $5, $6, $7, $8, now() + make_interval(secs => $9))
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [id, env.stepId, env.runId, env.driver, env.owner, env.workspace, env.logDir, JSON.stringify(env.spec), env.ttlSeconds],
    );
    if (rows[0]) return { env: toRecord(rows[0]), created: true };
    const existing = await this.find(id);
    if (!existing) throw new Error(`environment ${id} vanished`);
    return { env: existing, created: false };
  }

  /**
   * One attempt to take a slot (state waiting → provisioning): granted when fewer than `limit` environments
   * are provisioning or ready and this one is first in queue order. Decided under one advisory lock, so the
   * limit and the order hold across processes.
   */
  async tryAcquireSlot(id: string, limit: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${SLOT_LOCK})`);
      const [{ active }] = (await tx.query(`SELECT count(*)::int AS active FROM environments WHERE state IN ('provisioning', 'ready')`)) as [{ active: number }];
      const [first] = (await tx.query(`SELECT id FROM environments WHERE state = 'waiting' ORDER BY queue_seq LIMIT 1`)) as { id: string }[];
      if (active >= limit || first?.id !== id) return false;
      await tx.query(`UPDATE environments SET state = 'provisioning' WHERE id = $1`, [id]);
      return true;
    });
  }

  /** Waits in queue order until tryAcquireSlot grants a slot. */
  async acquireSlot(id: string, limit: number, pollMs = 200): Promise<void> {
    while (!(await this.tryAcquireSlot(id, limit))) {
      const still = await this.find(id);
      if (!still || still.state !== 'waiting') throw new Error(`environment ${id} left the queue (state ${still?.state ?? 'gone'})`);
      await sleep(pollMs);
    }
  }

  async add(id: string, pgid: number): Promise<void> {
    await this.db.query('UPDATE environments SET process_groups = array_append(process_groups, $2) WHERE id = $1', [id, pgid]);
  }

  async remove(id: string, pgid: number): Promise<void> {
    await this.db.query('UPDATE environments SET process_groups = array_remove(process_groups, $2) WHERE id = $1', [id, pgid]);
  }

  async markReady(id: string, port: number, usage: Partial<EnvironmentUsage>): Promise<void> {
    await this.db.query(`UPDATE environments SET state = 'ready', port = $2, ready_at = now(), usage = usage || $3::jsonb WHERE id = $1`, [id, port, JSON.stringify(usage)]);
  }

  async markFailed(id: string, failure: PhaseFailure, usage: Partial<EnvironmentUsage>): Promise<void> {
    await this.db.query(`UPDATE environments SET state = 'failed', failure = $2, process_groups = '{}', usage = usage || $3::jsonb WHERE id = $1`, [id, JSON.stringify(failure), JSON.stringify(usage)]);
  }

  async addUsage(id: string, usage: Partial<EnvironmentUsage>): Promise<void> {
    await this.db.query(`UPDATE environments SET usage = usage || $2::jsonb WHERE id = $1`, [id, JSON.stringify(usage)]);
  }

  /** Marks released (process groups emptied) and returns the environment seconds it lived. */
  async markReleased(id: string): Promise<number | null> {
    const rows: { seconds: number }[] = await this.db.query(
      `WITH u AS (
         UPDATE environments SET state = 'released', released_at = coalesce(released_at, now()), process_groups = '{}',
                usage = usage || jsonb_build_object('environmentSeconds', round(extract(epoch FROM coalesce(released_at, now()) - created_at)::numeric, 3))
          WHERE id = $1 RETURNING usage)
       SELECT (usage->>'environmentSeconds')::float8 AS seconds FROM u`,
      [id],
    );
    return rows[0]?.seconds ?? null;
  }

  /**
   * A new owner takes over an environment (its owner is gone, or it was only waiting, or it was reaped
   * mid-deploy): back to the queue at its old place, no processes.
   */
  async takeOver(id: string, owner: string): Promise<void> {
    await this.db.query(
      `UPDATE environments SET owner = $2, state = 'waiting', process_groups = '{}', port = NULL, ready_at = NULL, released_at = NULL WHERE id = $1`,
      [id, owner],
    );
  }

  async markRunEnded(runId: string): Promise<void> {
    await this.db.query('INSERT INTO ended_runs (run_id) VALUES ($1) ON CONFLICT DO NOTHING', [runId]);
  }

  /** Environments not yet released that are expired, belong to an ended run, or (checked by the caller) lost their owner. */
  async reapCandidates(): Promise<(StoredEnvironment & { readonly expired: boolean; readonly runEnded: boolean })[]> {
    const rows: (Row & { expired: boolean; run_ended: boolean })[] = await this.db.query(
      `SELECT e.*, e.expires_at < now() AS expired, r.run_id IS NOT NULL AS run_ended
         FROM environments e LEFT JOIN ended_runs r ON r.run_id = e.run_id
        WHERE e.state NOT IN ('released', 'failed')
        ORDER BY e.queue_seq`,
    );
    return rows.map((r) => ({ ...toRecord(r), expired: r.expired, runEnded: r.run_ended }));
  }
}
