/**
 * Stage hooks on the real stack: task-manager in-process (real Postgres, real Kafka, a test peer for
 * the step services), hooks as real shell commands and a real HTTP webhook receiver.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServiceApp } from '@shipshape/service-kit';
import { waitFor, type TestDatabase } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../notifications/webhook.signature';
import { COMPONENT_TASK, TestPeer, api, bootTaskManager, createTestDatabase, createTestTopics, deleteTestTopics, sql, type TestTopics } from '../../test/task-manager.harness';

const SECRET = 'hook-secret-0123456789';
let db: TestDatabase;
let topics: TestTopics;
let running: RunningServiceApp | null = null;
let peer: TestPeer;
let server: Server;
let hookUrl: string;
let scratch: string;
const received: Array<{ path: string; headers: IncomingHttpHeaders; body: string; at: number }> = [];

interface HookRow {
  hookId: string;
  stage: string;
  phase: string;
  kind: string;
  status: string;
  attempts: number;
  errorClass: string | null;
  message: string | null;
  output: string | null;
  exitCode: number | null;
  httpStatus: number | null;
  finishedAt: string | null;
}
interface RunView {
  status: string;
  state: { stages: Array<{ name: string; status: string; lastErrorClass: string | null; lastMessage: string | null }> };
  hooks: HookRow[];
}

async function createTask(application: string, stages: unknown[]): Promise<{ taskId: string; runId: string }> {
  const res = await api<{ task: { id: string; spec: unknown }; plan: { runs: Array<{ runId: string }> } }>(running!.url, 'POST', '/api/tasks', {
    ...COMPONENT_TASK,
    selection: { applications: [application] },
    pipeline: { stages },
  });
  expect(res.status).toBe(201);
  expect(JSON.stringify(res.body.task.spec)).not.toContain(SECRET); // secrets never come back over REST
  expect((await api(running!.url, 'POST', `/api/tasks/${res.body.task.id}/start`)).status).toBe(200);
  return { taskId: res.body.task.id, runId: res.body.plan.runs[0]!.runId };
}

const runView = async (runId: string) => (await api<RunView>(running!.url, 'GET', `/api/runs/${runId}`)).body;
const waitStatus = (runId: string, status: string, timeoutMs = 20_000) =>
  waitFor(async () => (await runView(runId)).status === status, { timeoutMs, description: `run ${status}` });

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tm-hooks-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      res.writeHead(status).end(status === 200 ? 'ok' : 'the change window is closed');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  db = await createTestDatabase('tm_hooks', { create: false });
  topics = await createTestTopics('tm-hooks');
  peer = new TestPeer(topics);
  await peer.start();
  running = await bootTaskManager(db, topics);
  const apps = ['hook-ok', 'hook-before-fails', 'hook-after-fails', 'hook-restart', 'hook-bad'].map((name) => ({ name, team: 'team-h', service: 'svc-h', repositoryUrl: `/repos/${name}.git` }));
  expect((await api(running.url, 'POST', '/api/applications/import', apps)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await running?.app.close();
  await peer?.stop();
  await db?.drop();
  if (topics) await deleteTestTopics(topics);
  server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('stage hooks', () => {
  it('runs a command before and a signed webhook after a stage, in order, recorded on the run', async () => {
    const log = join(scratch, 'ok.log');
    const { taskId, runId } = await createTask('hook-ok', [
      {
        name: 'change',
        before: [{ command: `echo "before $SHIPSHAPE_STAGE $SHIPSHAPE_ATTEMPT $SHIPSHAPE_APPLICATION $SHIPSHAPE_RUN_ID" >> ${log}; echo checked`, timeoutMs: 10_000 }],
        after: [{ url: `${hookUrl}/after-change`, secret: SECRET, timeoutMs: 5_000 }],
      },
      { name: 'test-deploy' },
    ]);
    await waitStatus(runId, 'succeeded');

    expect(readFileSync(log, 'utf8')).toBe(`before change 1 hook-ok ${runId}\n`);
    const call = received.find((r) => r.path === '/after-change')!;
    expect(verifySignature(SECRET, call.body, String(call.headers['x-shipshape-signature']))).toBe(true);
    expect(JSON.parse(call.body)).toMatchObject({
      hookId: `${runId}:change:1:after:0`,
      phase: 'after',
      stage: 'change',
      attempt: 1,
      outcome: 'SUCCEEDED',
      task: { id: taskId, component: { coordinates: 'com.example:rpc-client' }, toVersion: '2.0.0' },
      run: { id: runId },
      application: { name: 'hook-ok', team: 'team-h', repositoryUrl: '/repos/hook-ok.git' },
    });

    const view = await runView(runId);
    expect(view.hooks.map((h) => [h.hookId, h.kind, h.status, h.attempts])).toEqual([
      [`${runId}:change:1:before:0`, 'command', 'succeeded', 1],
      [`${runId}:change:1:after:0`, 'webhook', 'succeeded', 1],
    ]);
    expect(view.hooks[0]).toMatchObject({ exitCode: 0, output: 'checked\n' });
    expect(view.hooks[1]).toMatchObject({ httpStatus: 200, output: 'ok' });
    // Order: before hook done → change step sent; change answered → after hook → test-deploy sent.
    const [changeStep, deployStep] = await sql<{ dispatched_at: Date; finished_at: Date }>(db, `SELECT dispatched_at, finished_at FROM steps WHERE run_id = $1 ORDER BY queued_at`, [runId]);
    expect(new Date(view.hooks[0]!.finishedAt!).getTime()).toBeLessThanOrEqual(changeStep!.dispatched_at.getTime());
    expect(call.at).toBeGreaterThanOrEqual(changeStep!.finished_at.getTime());
    expect(new Date(view.hooks[1]!.finishedAt!).getTime()).toBeLessThanOrEqual(deployStep!.dispatched_at.getTime());
  });

  it('a failing before hook fails the stage without sending its step; its output is on the run', async () => {
    const { runId } = await createTask('hook-before-fails', [{ name: 'change', before: [{ command: 'echo "checking the freeze calendar"; echo "change freeze until Monday" >&2; exit 4' }] }]);
    await waitStatus(runId, 'failed');
    expect(peer.commands.filter((c) => c.runId === runId)).toEqual([]);
    const view = await runView(runId);
    expect(view.state.stages[0]).toMatchObject({ name: 'change', status: 'failed', lastErrorClass: 'INVALID_INPUT', lastMessage: 'before hook 1 failed: command exited 4: change freeze until Monday' });
    expect(view.hooks).toEqual([
      expect.objectContaining({ status: 'failed', errorClass: 'INVALID_INPUT', exitCode: 4, output: 'checking the freeze calendar\nchange freeze until Monday\n' }),
    ]);
  });

  it('a failing after hook fails the stage too', async () => {
    const { runId } = await createTask('hook-after-fails', [{ name: 'change', after: [{ url: `${hookUrl}/status/409`, secret: SECRET }] }, { name: 'test-deploy' }]);
    await waitStatus(runId, 'failed');
    expect(peer.commands.filter((c) => c.runId === runId).map((c) => c.stage)).toEqual(['change', 'branch-release']);
    const view = await runView(runId);
    expect(view.state.stages[0]).toMatchObject({ status: 'failed', lastErrorClass: 'INVALID_INPUT' });
    expect(view.hooks).toEqual([expect.objectContaining({ phase: 'after', status: 'failed', httpStatus: 409, output: 'the change window is closed' })]);
  });

  it('refuses bad hooks on task creation with 400 naming the field', async () => {
    const res = await api<{ errors: Array<{ field: string; message: string }> }>(running!.url, 'POST', '/api/tasks', {
      ...COMPONENT_TASK,
      selection: { applications: ['hook-bad'] },
      pipeline: { stages: [{ name: 'change', before: [{ url: 'ftp://x', secret: SECRET }, { url: `${hookUrl}/x` }], after: [{ command: 'true', timeoutMs: 0 }] }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.field).sort()).toEqual(['pipeline.stages[0].after[0].timeoutMs', 'pipeline.stages[0].before[0].url', 'pipeline.stages[0].before[1].secret']);
  });

  it('a restart of task-manager while a hook runs neither loses it nor runs it twice', async () => {
    const counter = join(scratch, 'restart.count');
    const { runId } = await createTask('hook-restart', [{ name: 'change', before: [{ command: `sleep 1.5; echo ran >> ${counter}` }] }, { name: 'test-deploy' }]);
    await waitFor(async () => (await runView(runId)).hooks[0]?.status === 'running', { description: 'hook running' });
    await running!.app.close(); // graceful: the hook finishes and is recorded before the process goes
    running = null;
    const [row] = await sql<{ status: string }>(db, 'SELECT status FROM run_hooks WHERE run_id = $1', [runId]);
    expect(row!.status).toBe('succeeded');
    running = await bootTaskManager(db, topics);
    await waitStatus(runId, 'succeeded');
    await new Promise((r) => setTimeout(r, 500)); // several polls of the new process
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
    expect((await runView(runId)).hooks.map((h) => [h.status, h.attempts])).toEqual([['succeeded', 1]]);
  });

  it('a hook whose process died (lease expired) runs again elsewhere; one recorded done never does', async () => {
    const counter = join(scratch, 'lease.count');
    const { runId } = await createTask('hook-restart', [{ name: 'change', before: [{ command: `echo ran >> ${counter}` }] }]);
    await waitStatus(runId, 'succeeded');
    expect(readFileSync(counter, 'utf8')).toBe('ran\n');
    // A second, pending hook row leased by a process that died: its lease has expired.
    const [done] = await sql<{ hook_id: string }>(db, 'SELECT hook_id FROM run_hooks WHERE run_id = $1', [runId]);
    await sql(
      db,
      `INSERT INTO run_hooks (hook_id, run_id, task_id, stage, attempt, phase, hook_index, kind, target, timeout_ms, definition, payload, status, attempts, lease_owner, lease_until)
       SELECT hook_id || ':orphan', run_id, task_id, stage, attempt, phase, hook_index, kind, target, timeout_ms, definition, payload, 'running', 1, 'a-dead-process', now() - interval '1 second'
         FROM run_hooks WHERE hook_id = $1`,
      [done!.hook_id],
    );
    await waitFor(async () => (await sql<{ status: string }>(db, `SELECT status FROM run_hooks WHERE hook_id = $1`, [`${done!.hook_id}:orphan`]))[0]?.status === 'succeeded', { description: 'orphan taken over' });
    expect(readFileSync(counter, 'utf8')).toBe('ran\nran\n');
    const rows = await sql<{ hook_id: string; attempts: number }>(db, 'SELECT hook_id, attempts FROM run_hooks WHERE run_id = $1 ORDER BY hook_id', [runId]);
    expect(rows.map((r) => r.attempts)).toEqual([1, 2]);
    // Its late result changed nothing: the run had moved on.
    expect((await runView(runId)).status).toBe('succeeded');
  });
});
