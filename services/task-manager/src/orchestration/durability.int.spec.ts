/**
 * Durability and sharing on the real stack: a restart of task-manager mid-run, two task-manager
 * processes sharing one database, and throttling limits that are never exceeded.
 */
import type { StepCommand, StepResultInput } from '@shipshape/contracts';
import type { RunningServiceApp } from '@shipshape/service-kit';
import { waitFor, type TestDatabase } from '@shipshape/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALWAYS_SUCCEED,
  COMPONENT_TASK,
  TestPeer,
  api,
  bootTaskManager,
  createTestDatabase,
  createTestTopics,
  deleteTestTopics,
  fleet,
  sql,
  type TestTopics,
} from '../../test/task-manager.harness';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function setup(name: string): Promise<{ db: TestDatabase; topics: TestTopics; peer: TestPeer }> {
  const db = await createTestDatabase(name, { create: false });
  const topics = await createTestTopics(name.replace(/_/g, '-'));
  const peer = new TestPeer(topics);
  cleanups.push(() => db.drop(), () => deleteTestTopics(topics), () => peer.stop());
  await peer.start();
  return { db, topics, peer };
}

async function boot(db: TestDatabase, topics: TestTopics, env: Record<string, string> = {}): Promise<RunningServiceApp> {
  const app = await bootTaskManager(db, topics, env);
  cleanups.push(() => app.app.close());
  return app;
}

async function startTask(url: string, apps: number, extra: Record<string, unknown> = {}): Promise<string[] & { taskId: string }> {
  expect((await api(url, 'POST', '/api/applications/import', fleet(apps, 4))).status).toBe(200);
  const created = await api<{ task: { id: string }; plan: { runs: Array<{ runId: string }> } }>(url, 'POST', '/api/tasks', {
    ...COMPONENT_TASK,
    selection: { teams: ['team-0', 'team-1', 'team-2', 'team-3'] },
    ...extra,
  });
  expect(created.status).toBe(201);
  expect((await api(url, 'POST', `/api/tasks/${created.body.task.id}/start`)).status).toBe(200);
  return Object.assign(created.body.plan.runs.map((r) => r.runId), { taskId: created.body.task.id });
}

async function statuses(db: TestDatabase): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }>(db, 'SELECT status, count(*)::int AS n FROM runs GROUP BY status');
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('durability', () => {
  it('survives a restart of task-manager mid-run: every run completes, no step is dispatched twice', async () => {
    const { db, topics, peer } = await setup('tm_restart');
    const held: StepCommand[] = [];
    // test-verify is answered only while task-manager is down.
    peer.behaviour = (c) => {
      if (c.stage === 'test-verify') {
        held.push(c);
        return [];
      }
      return ALWAYS_SUCCEED(c);
    };
    const first = await boot(db, topics);
    const runIds = await startTask(first.url, 6);
    await waitFor(() => held.length === 6, { timeoutMs: 20_000, description: 'every run at test-verify' });
    await first.app.close();

    await peer.send(held.map((c) => ({ ...ALWAYS_SUCCEED(c)[0]! }) satisfies StepResultInput));
    peer.behaviour = ALWAYS_SUCCEED;
    await boot(db, topics);
    await waitFor(async () => (await statuses(db)).succeeded === runIds.length, { timeoutMs: 30_000, description: 'all runs succeeded after restart' });

    expect(peer.duplicates()).toEqual([]);
    const pipelineCommands = peer.commands.filter((c) => !c.stage.endsWith('-release'));
    expect(pipelineCommands).toHaveLength(runIds.length * 7);
  });

  it('fires a retry scheduled before a restart after it', async () => {
    const { db, topics, peer } = await setup('tm_retry_restart');
    peer.behaviour = (c) => (c.stage === 'change' && c.attempt === 1 ? [{ ...ALWAYS_SUCCEED(c)[0]!, outcome: 'FAILED', errorClass: 'TRANSIENT' }] : ALWAYS_SUCCEED(c));
    const first = await boot(db, topics);
    const [runId] = await startTask(first.url, 1, {
      selection: { applications: ['app-0000'] },
      pipeline: { stages: [{ name: 'change', retry: { initialIntervalMs: 1500, maxAttempts: 2 } }] },
    });
    await waitFor(async () => (await sql(db, 'SELECT 1 FROM scheduled_retries WHERE run_id = $1', [runId])).length === 1, { description: 'retry scheduled' });
    await first.app.close();
    await boot(db, topics);
    await waitFor(async () => (await statuses(db)).succeeded === 1, { timeoutMs: 15_000, description: 'retried after restart' });
    expect(peer.commands.filter((c) => c.stage === 'change').map((c) => c.attempt)).toEqual([1, 2]);
  });

  it('two task-manager processes share the work without dispatching any step twice', async () => {
    const { db, topics, peer } = await setup('tm_two');
    const a = await boot(db, topics);
    const b = await boot(db, topics);
    const runIds = await startTask(a.url, 24);
    await waitFor(async () => (await statuses(db)).succeeded === runIds.length, { timeoutMs: 30_000, description: 'all runs succeeded' });
    expect(peer.duplicates()).toEqual([]);
    // Both processes took part: they share the results consumer group.
    const applied = await sql<{ n: number }>(db, 'SELECT count(*)::int AS n FROM messaging_inbox');
    expect(applied[0]!.n).toBeGreaterThanOrEqual(runIds.length * 7);
    void b;
  });

  it('never exceeds the platform-wide stage limit across tasks, and serves waiting tasks in turn', async () => {
    const { db, topics, peer } = await setup('tm_throttle');
    let inFlight = 0;
    let maxInFlight = 0;
    let holding = true;
    const held: StepCommand[] = [];
    const answer = (c: StepCommand) => {
      setTimeout(() => {
        inFlight--;
        void peer.send(ALWAYS_SUCCEED(c));
      }, 20);
    };
    // The peer holds test-deploys (counting how many it holds at once) until both tasks queue behind the limit.
    peer.behaviour = (c) => {
      if (c.stage !== 'test-deploy') return ALWAYS_SUCCEED(c);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (holding) held.push(c);
      else answer(c);
      return [];
    };
    const app = await boot(db, topics, { THROTTLE_STAGE_CONCURRENCY: '{"test-deploy":3}' });
    const pipeline = { pipeline: { stages: [{ name: 'change' }, { name: 'test-deploy' }, { name: 'test-verify' }] } };
    const taskA = await startTask(app.url, 16, { ...pipeline, selection: { teams: ['team-0', 'team-1'] } });
    const taskB = await startTask(app.url, 16, { ...pipeline, selection: { teams: ['team-2', 'team-3'] } });
    await waitFor(async () => {
      const [row] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM steps WHERE stage = 'test-deploy' AND status = 'queued'`);
      return row!.n === 13 && held.length === 3;
    }, { timeoutMs: 20_000, description: '3 test-deploys in flight, 13 queued' });
    holding = false;
    held.splice(0).forEach(answer);

    let maxDispatched = 0;
    await waitFor(
      async () => {
        const [row] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM steps WHERE stage = 'test-deploy' AND status = 'dispatched'`);
        maxDispatched = Math.max(maxDispatched, row!.n);
        return (await statuses(db)).succeeded === taskA.length + taskB.length;
      },
      { timeoutMs: 30_000, intervalMs: 10, description: 'all runs succeeded' },
    );
    expect(maxInFlight).toBe(3);
    expect(maxDispatched).toBeLessThanOrEqual(3);
    // Fair: once both wait they are served in turn; first come first served would dispatch all of
    // task A's waiting test-deploys before task B's first one.
    const [order] = await sql<{ b_first: Date; a_last: Date }>(
      db,
      `SELECT min(dispatched_at) FILTER (WHERE task_id = $2) AS b_first, max(dispatched_at) FILTER (WHERE task_id = $1) AS a_last
         FROM steps WHERE stage = 'test-deploy'`,
      [taskA.taskId, taskB.taskId],
    );
    expect(order!.b_first.getTime()).toBeLessThan(order!.a_last.getTime());
    expect(peer.duplicates()).toEqual([]);
  });

  it('never exceeds a per-stage hourly rate limit across two tasks; the window slides', async () => {
    const { db, topics, peer } = await setup('tm_rate');
    const app = await boot(db, topics, { THROTTLE_STAGE_RATE_PER_HOUR: '{"review":3}' });
    const pipeline = { pipeline: { stages: [{ name: 'change' }, { name: 'review' }] } };
    const taskA = await startTask(app.url, 8, { ...pipeline, selection: { teams: ['team-0', 'team-1'] } });
    const taskB = await startTask(app.url, 8, { ...pipeline, selection: { teams: ['team-2', 'team-3'] } });
    const reviews = () => peer.commands.filter((c) => c.stage === 'review');
    const reviewSteps = async () =>
      Object.fromEntries((await sql<{ status: string; n: number }>(db, `SELECT status, count(*)::int AS n FROM steps WHERE stage = 'review' GROUP BY status`)).map((r) => [r.status, r.n]));

    // Every change is done and 8 reviews wait: 3 went out in this hour, 5 stay queued poll after poll.
    await waitFor(async () => reviews().length === 3 && (await reviewSteps()).queued === 5, { timeoutMs: 20_000, description: '3 reviews dispatched, 5 queued' });
    await new Promise((r) => setTimeout(r, 1500)); // 30 polls of 50 ms
    expect(reviews()).toHaveLength(3);
    expect(await reviewSteps()).toEqual({ succeeded: 3, queued: 5 });
    // Both tasks compete for the one budget: reviews of each are waiting behind it.
    const waiting = await sql<{ task_id: string }>(db, `SELECT DISTINCT task_id FROM steps WHERE stage = 'review' AND status = 'queued'`);
    expect(waiting.map((w) => w.task_id).sort()).toEqual([taskA.taskId, taskB.taskId].sort());

    // An hour later (dispatch times moved back), the next 3 go out, and again no more.
    await sql(db, `UPDATE steps SET dispatched_at = dispatched_at - interval '61 minutes' WHERE stage = 'review' AND dispatched_at IS NOT NULL`);
    await waitFor(() => reviews().length === 6, { timeoutMs: 10_000, description: '3 more reviews in the next hour' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(reviews()).toHaveLength(6);
    expect(await reviewSteps()).toEqual({ succeeded: 6, queued: 2 });
    expect((await statuses(db)).succeeded).toBe(6);
    expect(taskA.length + taskB.length).toBe(8);
    expect(peer.duplicates()).toEqual([]);
  });
});
