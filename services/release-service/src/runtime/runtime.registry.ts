import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_TYPES, TOPICS, type RuntimeInstanceEventInput } from '@shipshape/contracts';
import { OutboxWriter, type SqlExecutor } from '@shipshape/messaging';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { ReleaseConfig } from '../config/release.config';
import { afterFailedAttempt, type RestartBackoff } from './restart-backoff';
import { RUNTIME_DRIVER, type RuntimeDriver } from './runtime-driver';
import { runsSpec, specOf, type InstanceSpec, type InstanceState, type ReplacementTarget, type RuntimeInstance } from './runtime.types';

interface InstanceRow {
  application: string;
  instance_id: string;
  runtime: string;
  address: string | null;
  port: number | null;
  pid: number | null;
  version: string;
  commit: string | null;
  agent_version: string | null;
  build_dir: string;
  start_command: string;
  env: Record<string, string>;
  state: InstanceState;
  target: ReplacementTarget | null;
  restarts: number;
  restart_attempts: number;
  next_restart_at: Date | null;
  failure_reason: string | null;
  started_at: Date | null;
  updated_at: Date;
}

/** TypeORM's query() returns [rows, affected] for UPDATE … RETURNING and plain rows for INSERT/SELECT. */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

function toInstance(row: InstanceRow): RuntimeInstance {
  return {
    application: row.application,
    instanceId: row.instance_id,
    runtime: row.runtime,
    address: row.address,
    port: row.port,
    pid: row.pid,
    version: row.version,
    commit: row.commit,
    agentVersion: row.agent_version,
    location: row.build_dir,
    startCommand: row.start_command,
    env: row.env,
    state: row.state,
    target: row.target,
    restarts: row.restarts,
    restartAttempts: row.restart_attempts,
    nextRestartAt: row.next_restart_at?.toISOString() ?? null,
    failureReason: row.failure_reason,
    startedAt: row.started_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A start that did not come up: the replacement (or provisioning) cannot go on. */
export interface StartFailure {
  readonly kind: 'start-failed';
  readonly instanceId: string;
  readonly message: string;
  readonly logTail: string;
}

export type InstanceOutcome = { readonly kind: 'ok'; readonly instance: RuntimeInstance } | StartFailure;

/**
 * The runtime registry: which instance of which application runs what, where. Every change goes
 * through here so that the row and its RuntimeInstanceEvent (STARTED / REPLACED / STOPPED) commit
 * together. Each operation is check-before-act: repeating it after a crash finds what it did.
 */
@Injectable()
export class RuntimeRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    @Inject(RUNTIME_DRIVER) private readonly driver: RuntimeDriver,
    @Inject(SERVICE_CONFIG) private readonly config: ReleaseConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  private reconciliation: Promise<void> | null = null;
  /** Per instance, the operation in progress: one change to an instance at a time in this process (a release vs the watchdog). */
  private readonly locks = new Map<string, Promise<unknown>>();
  private watchdog: NodeJS.Timeout | null = null;
  private watching: Promise<void> | null = null;

  async onApplicationBootstrap(): Promise<void> {
    await this.reconciled();
    this.watchdog = setInterval(() => {
      if (this.watching !== null) return;
      this.watching = this.watch()
        .then(
          () => undefined,
          (error: unknown) => this.logger.error({ err: error }, 'instance watchdog round failed'),
        )
        .finally(() => {
          this.watching = null;
        });
    }, this.config.RELEASE_WATCHDOG_MS);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    await this.watching;
  }

  private exclusive<T>(application: string, instanceId: string, work: () => Promise<T>): Promise<T> {
    const key = `${application}/${instanceId}`;
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  private get backoff(): RestartBackoff {
    return { initialMs: this.config.RELEASE_RESTART_BACKOFF_MS, maxMs: this.config.RELEASE_RESTART_BACKOFF_MAX_MS, maxAttempts: this.config.RELEASE_RESTART_MAX_ATTEMPTS };
  }

  /**
   * The watchdog: an instance whose process died while it should run is marked failed (restarts + 1,
   * STOPPED published) and started again on what it ran (STARTED). The change is compare-and-set on the
   * pid, so a replica's watchdog or a release replacing the instance at the same moment wins cleanly.
   * A restart that fails is tried again with exponential backoff (RELEASE_RESTART_*) until it runs or the
   * attempts are spent; then the instance stays failed with the reason. A release baking the instance
   * counts the death against its crashes gate. Returns the instances started again in this round.
   */
  async watch(): Promise<number> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM runtime_instances WHERE (state = 'running' AND pid IS NOT NULL) OR (state = 'failed' AND next_restart_at <= now())`,
    )) as InstanceRow[];
    let restarted = 0;
    for (const seen of rows.map(toInstance)) {
      if (seen.state === 'failed') {
        if (await this.exclusive(seen.application, seen.instanceId, () => this.retry(seen))) restarted += 1;
        continue;
      }
      if (this.driver.running(seen)) continue;
      const outcome = await this.exclusive(seen.application, seen.instanceId, () => this.recover(seen));
      if (outcome) restarted += 1;
    }
    return restarted;
  }

  private async recover(seen: RuntimeInstance): Promise<boolean> {
    const dead = await this.dataSource.transaction(async (tx) => {
      const rows = returnedRows<InstanceRow>(await tx.query(
        `UPDATE runtime_instances SET state = 'failed', pid = NULL, restarts = restarts + 1, restart_attempts = 0, next_restart_at = NULL, failure_reason = NULL, updated_at = now()
         WHERE application = $1 AND instance_id = $2 AND state = 'running' AND pid = $3 RETURNING *`,
        [seen.application, seen.instanceId, seen.pid],
      ));
      if (rows[0] === undefined) return null; // replaced, stopped or recovered meanwhile
      const instance = toInstance(rows[0]);
      await this.publish(tx, instance, 'STOPPED', null);
      return instance;
    });
    if (dead === null) return false;
    this.logger.warn({ application: dead.application, instance: dead.instanceId, pid: seen.pid, restarts: dead.restarts }, 'instance process died; starting it again');
    return this.attempt(dead, 1);
  }

  /** A failed instance whose next restart attempt is due: claimed by clearing next_restart_at (compare-and-set), then tried. */
  private async retry(seen: RuntimeInstance): Promise<boolean> {
    const rows = returnedRows<InstanceRow>(await this.dataSource.query(
      `UPDATE runtime_instances SET next_restart_at = NULL, updated_at = now()
       WHERE application = $1 AND instance_id = $2 AND state = 'failed' AND next_restart_at <= now() AND restart_attempts = $3 RETURNING *`,
      [seen.application, seen.instanceId, seen.restartAttempts],
    ));
    if (rows[0] === undefined) return false; // released, stopped or tried by a replica meanwhile
    return this.attempt(toInstance(rows[0]), seen.restartAttempts + 1);
  }

  private async attempt(instance: RuntimeInstance, attempt: number): Promise<boolean> {
    const outcome = await this.startOn(instance.application, instance.instanceId, specOf(instance));
    if (outcome.kind === 'ok') {
      if (attempt > 1) this.logger.info({ application: instance.application, instance: instance.instanceId, attempt }, 'instance restarted after failed attempts');
      return true;
    }
    await this.recordFailedStart(instance, attempt, outcome);
    return false;
  }

  /** Leaves the instance failed after start attempt `attempt` failed: the next attempt is scheduled, or the watchdog gives up. */
  private async recordFailedStart(instance: RuntimeInstance, attempt: number, failure: StartFailure): Promise<void> {
    const next = afterFailedAttempt(this.backoff, attempt);
    const reason = next.kind === 'give-up' ? `gave up after ${attempt} restart attempt(s); last: ${failure.message}` : failure.message;
    await this.dataSource.query(
      `UPDATE runtime_instances SET state = 'failed', pid = NULL, restart_attempts = $3, failure_reason = $4,
         next_restart_at = CASE WHEN $5::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => $5::double precision / 1000) END, updated_at = now()
       WHERE application = $1 AND instance_id = $2 AND state IN ('running', 'starting', 'failed')`,
      [instance.application, instance.instanceId, attempt, reason, next.kind === 'retry' ? next.delayMs : null],
    );
    const fields = { application: instance.application, instance: instance.instanceId, attempt, reason: failure.message, logTail: failure.logTail };
    if (next.kind === 'retry') this.logger.warn({ ...fields, retryInMs: next.delayMs }, 'instance could not be restarted; trying again later');
    else this.logger.error(fields, 'instance could not be restarted; restart attempts exhausted, it stays failed');
  }

  /** Runs the boot-time reconciliation once; resolves when it is over (workers wait for it before touching instances). */
  reconciled(): Promise<void> {
    this.reconciliation ??= this.reconcile().then(
      () => undefined,
      (error: unknown) => this.logger.error({ err: error }, 'runtime registry reconciliation failed'),
    );
    return this.reconciliation;
  }

  async list(application: string, db: SqlExecutor = this.dataSource): Promise<RuntimeInstance[]> {
    const rows = (await db.query(
      `SELECT * FROM runtime_instances WHERE application = $1 AND state <> 'stopped' ORDER BY length(instance_id), instance_id`,
      [application],
    )) as InstanceRow[];
    return rows.map(toInstance);
  }

  async get(application: string, instanceId: string): Promise<RuntimeInstance | null> {
    const rows = (await this.dataSource.query('SELECT * FROM runtime_instances WHERE application = $1 AND instance_id = $2', [application, instanceId])) as InstanceRow[];
    return rows[0] === undefined ? null : toInstance(rows[0]);
  }

  private async publish(tx: SqlExecutor, instance: RuntimeInstance, state: RuntimeInstanceEventInput['state'], previousVersion: string | null): Promise<void> {
    const value = {
      eventId: randomUUID(),
      occurredAt: Date.now(),
      application: instance.application,
      instance: instance.instanceId,
      address: instance.address ?? '',
      version: instance.version,
      commit: instance.commit,
      state,
      previousVersion,
      environment: 'production',
      runtime: instance.runtime,
      components: instance.agentVersion === null ? {} : { agent: instance.agentVersion },
    } satisfies RuntimeInstanceEventInput;
    await this.outbox.add(tx, {
      topic: TOPICS.runtimeInstances,
      key: `${instance.application}/${instance.instanceId}`,
      eventType: EVENT_TYPES.runtimeInstanceEvent,
      value,
    });
  }

  /** Starts the instance on the spec unless it already runs it (alive). */
  ensureStarted(application: string, instanceId: string, spec: InstanceSpec): Promise<InstanceOutcome> {
    return this.exclusive(application, instanceId, () => this.startOn(application, instanceId, spec));
  }

  private async startOn(application: string, instanceId: string, spec: InstanceSpec): Promise<InstanceOutcome> {
    const existing = await this.get(application, instanceId);
    if (existing !== null && existing.state === 'running' && runsSpec(existing, spec) && (await this.driver.alive(existing))) return { kind: 'ok', instance: existing };
    if (existing !== null && existing.state !== 'stopped') await this.driver.stop(existing);
    const started = await this.driver.start({ application, instanceId, location: spec.location, startCommand: spec.startCommand, env: spec.env });
    if (started.kind === 'start-failed') return { kind: 'start-failed', instanceId, message: started.message, logTail: started.logTail };
    return this.dataSource.transaction(async (tx) => {
      const rows = returnedRows<InstanceRow>(await tx.query(
        `INSERT INTO runtime_instances (application, instance_id, runtime, address, port, pid, version, commit, agent_version, build_dir, start_command, env, state, target, started_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'running', NULL, now(), now())
         ON CONFLICT (application, instance_id) DO UPDATE SET runtime = EXCLUDED.runtime, address = EXCLUDED.address, port = EXCLUDED.port, pid = EXCLUDED.pid,
           version = EXCLUDED.version, commit = EXCLUDED.commit, agent_version = EXCLUDED.agent_version, build_dir = EXCLUDED.build_dir,
           start_command = EXCLUDED.start_command, env = EXCLUDED.env, state = 'running', target = NULL, restart_attempts = 0, next_restart_at = NULL,
           failure_reason = NULL, started_at = now(), updated_at = now()
         RETURNING *`,
        [application, instanceId, this.driver.name, started.address, started.port, started.pid, spec.version, spec.commit, spec.agentVersion, spec.location, spec.startCommand, JSON.stringify(spec.env)],
      ));
      const instance = toInstance(rows[0] as InstanceRow);
      await this.publish(tx, instance, 'STARTED', null);
      return { kind: 'ok', instance } as const;
    });
  }

  /**
   * Puts the spec in place of what the instance runs: records the target first, starts the new process
   * (recorded too), stops the old one, then swaps the row and publishes REPLACED. A repeat after a crash
   * at any point finishes the same replacement instead of starting a second process.
   */
  replace(application: string, instanceId: string, spec: InstanceSpec): Promise<InstanceOutcome> {
    return this.exclusive(application, instanceId, () => this.replaceWith(application, instanceId, spec));
  }

  private async replaceWith(application: string, instanceId: string, spec: InstanceSpec): Promise<InstanceOutcome> {
    const current = await this.get(application, instanceId);
    if (current === null || current.state === 'stopped') return this.startOn(application, instanceId, spec);
    if (current.state === 'running' && runsSpec(current, spec)) {
      if (await this.driver.alive(current)) return { kind: 'ok', instance: current };
      return this.startOn(application, instanceId, spec);
    }

    let target: ReplacementTarget | null = current.target !== null && runsSpec(current.target, spec) ? current.target : null;
    if (target !== null && !(await this.driver.alive(target))) {
      await this.driver.stop(target);
      target = null;
    }
    if (target === null) {
      if (current.target !== null) await this.driver.stop(current.target);
      const pending: ReplacementTarget = { ...spec, pid: null, port: null, address: null };
      await this.setTarget(application, instanceId, pending);
      const started = await this.driver.start({ application, instanceId, location: spec.location, startCommand: spec.startCommand, env: spec.env });
      if (started.kind === 'start-failed') {
        await this.setTarget(application, instanceId, null);
        return { kind: 'start-failed', instanceId, message: started.message, logTail: started.logTail };
      }
      target = { ...spec, pid: started.pid, port: started.port, address: started.address };
      await this.setTarget(application, instanceId, target);
    }

    await this.driver.stop(current);
    const replacement = target;
    return this.dataSource.transaction(async (tx) => {
      const rows = returnedRows<InstanceRow>(await tx.query(
        `UPDATE runtime_instances SET address = $3, port = $4, pid = $5, version = $6, commit = $7, agent_version = $8, build_dir = $9,
           start_command = $10, env = $11, state = 'running', target = NULL, restart_attempts = 0, next_restart_at = NULL, failure_reason = NULL,
           started_at = now(), updated_at = now()
         WHERE application = $1 AND instance_id = $2 RETURNING *`,
        [application, instanceId, replacement.address, replacement.port, replacement.pid, replacement.version, replacement.commit, replacement.agentVersion,
          replacement.location, replacement.startCommand, JSON.stringify(replacement.env)],
      ));
      const instance = toInstance(rows[0] as InstanceRow);
      await this.publish(tx, instance, 'REPLACED', current.version);
      return { kind: 'ok', instance } as const;
    });
  }

  /** Records (or clears) a replacement in flight; cleared, the instance is back to running, or to failed if it had no process (a failed instance a release could not start). */
  private async setTarget(application: string, instanceId: string, target: ReplacementTarget | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE runtime_instances SET target = $3, updated_at = now(),
         state = CASE WHEN $3::jsonb IS NOT NULL THEN 'replacing' WHEN pid IS NULL THEN 'failed' ELSE 'running' END
       WHERE application = $1 AND instance_id = $2`,
      [application, instanceId, target === null ? null : JSON.stringify(target)],
    );
  }

  /** Stops the instance (and a replacement in flight) and publishes STOPPED. */
  stop(application: string, instanceId: string): Promise<RuntimeInstance | null> {
    return this.exclusive(application, instanceId, () => this.stopNow(application, instanceId));
  }

  private async stopNow(application: string, instanceId: string): Promise<RuntimeInstance | null> {
    const current = await this.get(application, instanceId);
    if (current === null || current.state === 'stopped') return current;
    if (current.target !== null) await this.driver.stop(current.target);
    await this.driver.stop(current);
    return this.dataSource.transaction(async (tx) => {
      const rows = returnedRows<InstanceRow>(await tx.query(
        `UPDATE runtime_instances SET state = 'stopped', pid = NULL, target = NULL, restart_attempts = 0, next_restart_at = NULL, failure_reason = NULL, updated_at = now() WHERE application = $1 AND instance_id = $2 RETURNING *`,
        [application, instanceId],
      ));
      const instance = toInstance(rows[0] as InstanceRow);
      await this.publish(tx, instance, 'STOPPED', null);
      return instance;
    });
  }

  async stopAll(application: string): Promise<number> {
    const instances = await this.list(application);
    for (const instance of instances) await this.stop(application, instance.instanceId);
    return instances.length;
  }

  /**
   * After a (re)start of release-service: an instance whose process is alive and answering is adopted as
   * it is (no duplicate); a dead one is started again on what the registry says it runs. Replacements in
   * flight are left to the release that owns them.
   */
  async reconcile(): Promise<{ adopted: number; restarted: number }> {
    const rows = (await this.dataSource.query(`SELECT * FROM runtime_instances WHERE state IN ('running', 'starting', 'failed')`)) as InstanceRow[];
    let adopted = 0;
    let restarted = 0;
    for (const instance of rows.map(toInstance)) {
      if (await this.driver.alive(instance)) {
        adopted += 1;
        continue;
      }
      // a boot gives every dead instance a new restart series (attempt 1 now, then the watchdog's backoff)
      const ok = await this.exclusive(instance.application, instance.instanceId, () => this.attempt(instance, 1));
      if (ok) restarted += 1;
    }
    if (rows.length > 0) this.logger.info({ adopted, restarted }, 'runtime registry reconciled');
    return { adopted, restarted };
  }
}
