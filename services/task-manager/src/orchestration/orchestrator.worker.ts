import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { EVENT_TYPES, type NotificationInput, type RunEventInput } from '@shipshape/contracts';
import { OutboxWriter } from '@shipshape/messaging';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import { FailureLog, type Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import type { TaskManagerConfig } from '../config/task-manager.config';
import type { PipelineStage } from './pipeline';
import { WebhooksService } from '../notifications/webhooks.service';
import { RunEngine } from './run-engine';
import { rowsOf } from './sql-rows';
import { StepDispatcher } from './step-dispatcher';

/**
 * The orchestrator's clock, durable in Postgres: every poll it dispatches throttled steps, fires due
 * retries (stored in scheduled_retries, so they fire after a restart), turns passed deadlines into
 * TIMEOUT and finishes tasks whose runs are all done. Several processes may run it at once: each
 * item is re-checked under its run's row lock, so nothing is applied twice.
 */
@Injectable()
export class OrchestratorWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopped = false;
  /** While the database is down every job of every tick fails: first failure, then one line per 10 s, then one when it works again. */
  private readonly failures: FailureLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: RunEngine,
    private readonly dispatcher: StepDispatcher,
    private readonly outbox: OutboxWriter,
    private readonly webhooks: WebhooksService,
    @Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.engine.onQueued = () => this.dispatcher.kick();
    this.failures = new FailureLog(this.logger, { failed: 'orchestrator job failed', recovered: 'orchestrator jobs run again' });
  }

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.dispatcher.stop();
    await this.current;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => {
        this.current = null;
        this.schedule();
      });
    }, this.config.ORCHESTRATOR_POLL_MS);
  }

  /** One pass over everything time-driven. Public for tests. */
  async tick(): Promise<void> {
    let failed = false;
    for (const [name, job] of [
      ['dispatch', () => this.dispatcher.dispatchQueued()],
      ['retries', () => this.fireDueRetries()],
      ['deadlines', () => this.expireDeadlines()],
      ['tasks', () => this.finishTasks()],
      ['notices', () => this.publishNotices()],
      ['webhooks', () => this.webhooks.deliverDue()],
    ] as const) {
      if (this.stopped) return;
      try {
        await job();
      } catch (err) {
        failed = true;
        this.failures.failure(err, { job: name });
      }
    }
    if (!failed) this.failures.success();
  }

  async fireDueRetries(): Promise<void> {
    const due = (await this.dataSource.query(
      'SELECT run_id, stage, attempt FROM scheduled_retries WHERE due_at <= now() ORDER BY due_at LIMIT 200',
    )) as Array<{ run_id: string; stage: PipelineStage; attempt: number }>;
    for (const r of due) {
      if (this.stopped) return;
      await this.dataSource.transaction(async (tx) => {
        await tx.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [r.run_id]); // run first: the same lock order as result handling
        const taken = rowsOf(await tx.query('DELETE FROM scheduled_retries WHERE run_id = $1 AND stage = $2 AND attempt = $3 RETURNING run_id', [r.run_id, r.stage, r.attempt]));
        if (taken.length === 0) return; // another process fired it
        await this.engine.apply(tx, r.run_id, { type: 'retry-due', stage: r.stage, attempt: r.attempt });
      });
    }
  }

  async expireDeadlines(): Promise<void> {
    const late = (await this.dataSource.query(
      `SELECT step_id, run_id FROM steps WHERE status = 'dispatched' AND deadline < now() ORDER BY deadline LIMIT 200`,
    )) as Array<{ step_id: string; run_id: string }>;
    for (const s of late) {
      if (this.stopped) return;
      await this.dataSource.transaction(async (tx) => {
        await tx.query('SELECT 1 FROM runs WHERE id = $1 FOR UPDATE', [s.run_id]);
        const still = (await tx.query(`SELECT 1 FROM steps WHERE step_id = $1 AND status = 'dispatched' AND deadline < now()`, [s.step_id])) as unknown[];
        if (still.length === 0) return;
        const result = await this.engine.apply(tx, s.run_id, { type: 'deadline-passed', stepId: s.step_id });
        // A release step past its deadline is not a stage: mark it so it stops counting as in flight.
        if (result?.kind !== 'applied') await tx.query(`UPDATE steps SET status = 'abandoned', finished_at = now(), error_class = 'TIMEOUT' WHERE step_id = $1`, [s.step_id]);
        else await tx.query(`UPDATE steps SET error_class = 'TIMEOUT' WHERE step_id = $1`, [s.step_id]);
      });
    }
  }

  /** Moves waiting notices to the outbox (key: team) and to the team's webhooks, in one transaction of their own. */
  async publishNotices(): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const rows = (await tx.query('SELECT id, team, payload FROM pending_notifications ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED')) as Array<{
        id: string;
        team: string;
        payload: NotificationInput;
      }>;
      if (rows.length === 0) return;
      await this.outbox.addMany(
        tx,
        rows.map((r) => ({ topic: this.config.NOTIFICATIONS_TOPIC, key: r.team, eventType: EVENT_TYPES.notification, value: r.payload })),
      );
      await tx.query(
        `INSERT INTO webhook_deliveries (webhook_id, payload)
         SELECT w.id, p.payload FROM pending_notifications p JOIN team_webhooks w ON w.team = p.team WHERE p.id = ANY($1::bigint[]) ORDER BY p.id`,
        [rows.map((r) => r.id)],
      );
      await tx.query('DELETE FROM pending_notifications WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    });
  }

  /** A running task whose runs are all finished is finished; its TASK event is published once. */
  async finishTasks(): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const done = rowsOf<{ id: string; failed: number }>(await tx.query(
        `UPDATE tasks t SET status = 'finished', finished_at = now()
          WHERE t.status = 'running'
            AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.task_id = t.id AND r.status NOT IN ('succeeded', 'failed', 'aborted', 'not-applicable'))
          RETURNING t.id, (SELECT count(*)::int FROM runs r WHERE r.task_id = t.id AND r.status = 'failed') AS failed`,
      ));
      const now = Date.now();
      await this.outbox.addMany(
        tx,
        done.map((t) => {
          const value: RunEventInput = { eventId: randomUUID(), occurredAt: now, scope: 'TASK', transition: t.failed > 0 ? 'FAILED' : 'SUCCEEDED', taskId: t.id, message: `${t.failed} run(s) failed` };
          return { topic: this.config.RUN_EVENTS_TOPIC, key: t.id, eventType: EVENT_TYPES.runEvent, value };
        }),
      );
    });
  }
}
