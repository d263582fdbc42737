/**
 * A task-wide control (pause/abort a task) colliding with a result batch in flight, on the real stack.
 * The inbox applies a partition's batch of results in one transaction, locking each run as its result
 * comes (message order); a task control locks all the task's runs in id order. Crossed, Postgres
 * breaks the deadlock by cancelling one of them; the control must not answer 500 for that.
 */
import type { RunningServiceApp } from '@shipshape/service-kit';
import { waitFor, type TestDatabase } from '@shipshape/testkit';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPONENT_TASK, TestPeer, api, bootTaskManager, createTestDatabase, createTestTopics, deleteTestTopics, sql, type TestTopics } from '../../test/task-manager.harness';
import { RunEngine } from './run-engine';
import type { StepResultEvent } from './run-state';

let db: TestDatabase;
let topics: TestTopics;
let running: RunningServiceApp;
let peer: TestPeer;

beforeAll(async () => {
  db = await createTestDatabase('tm_contention', { create: false });
  topics = await createTestTopics('tm-contention');
  peer = new TestPeer(topics);
  peer.behaviour = () => []; // every step stays in flight until the test answers it
  await peer.start();
  running = await bootTaskManager(db, topics);
  const apps = ['c-1', 'c-2', 'c-3'].map((name) => ({ name, team: 'team-c', service: 'svc-c', repositoryUrl: `/repos/${name}.git` }));
  expect((await api(running.url, 'POST', '/api/applications/import', apps)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await running?.app.close();
  await peer?.stop();
  await db?.drop();
  if (topics) await deleteTestTopics(topics);
});

const changeSucceeded = (runId: string): StepResultEvent => ({
  type: 'step-result',
  stepId: `${runId}:change:1`,
  stage: 'change',
  attempt: 1,
  outcome: 'SUCCEEDED',
  errorClass: null,
  message: null,
  acquired: [],
  released: [],
  retryAfterMs: null,
});

async function waitingOnLock(): Promise<number> {
  const [row] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [db.name]);
  return row!.n;
}

describe('task controls against a result batch in flight', () => {
  it.each(['pause', 'abort'] as const)('%s answers 200 when it deadlocks with a result batch (retried), and both take effect', async (control) => {
    const created = await api<{ task: { id: string }; plan: { runs: Array<{ runId: string }> } }>(running.url, 'POST', '/api/tasks', {
      ...COMPONENT_TASK,
      selection: { teams: ['team-c'] },
      pipeline: { stages: [{ name: 'change' }, { name: 'test-deploy' }] },
    });
    expect(created.status).toBe(201);
    const taskId = created.body.task.id;
    expect((await api(running.url, 'POST', `/api/tasks/${taskId}/start`)).status).toBe(200);
    const [low, , high] = created.body.plan.runs.map((r) => r.runId).sort();
    await waitFor(() => peer.commands.filter((c) => c.taskId === taskId).length === 3, { description: 'three change steps in flight' });

    // The batch, as the inbox applies it: one transaction, the results in message order (high run first).
    const engine = running.app.get(RunEngine);
    let controlAnswer: Promise<{ status: number; body: unknown }> | null = null;
    await running.app.get(DataSource).transaction(async (tx) => {
      await engine.apply(tx, high!, changeSucceeded(high!));
      controlAnswer = api(running.url, 'POST', `/api/tasks/${taskId}/${control}`);
      await waitFor(async () => (await waitingOnLock()) === 1, { description: 'the control waiting for the run the batch holds' });
      await engine.apply(tx, low!, changeSucceeded(low!)); // the control holds this one: a deadlock
    });
    const answer = await controlAnswer!;
    expect(answer.status).toBe(200);

    // Both took effect: the batch's results and the control on every run.
    const runs = await sql<{ id: string; status: string; paused: boolean; change: string }>(
      db,
      `SELECT id, status, paused, state->'stages'->0->>'status' AS change FROM runs WHERE task_id = $1`,
      [taskId],
    );
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(low!)!.change).toBe('succeeded');
    expect(byId.get(high!)!.change).toBe('succeeded');
    if (control === 'pause') expect(runs.every((r) => r.paused && r.status === 'running')).toBe(true);
    else expect(runs.every((r) => r.status === 'aborted')).toBe(true);
    const [task] = await sql<{ status: string }>(db, 'SELECT status FROM tasks WHERE id = $1', [taskId]);
    expect(task!.status).toBe(control === 'pause' ? 'paused' : 'aborted');
  });
});
