/**
 * The durable orchestrator on the real stack: task-manager in-process on its own database, a test
 * peer standing in for the step services over real Kafka (unique topics per file).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StepCommand } from '@shipshape/contracts';
import type { RunningServiceApp } from '@shipshape/service-kit';
import { waitFor, type TestDatabase } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../notifications/webhook.signature';
import {
  ALWAYS_SUCCEED,
  COMPONENT_TASK,
  TestPeer,
  acquiredBy,
  api,
  bootTaskManager,
  createTestDatabase,
  createTestTopics,
  deleteTestTopics,
  failed,
  sql,
  succeeded,
  type PeerBehaviour,
  type TestTopics,
} from '../../test/task-manager.harness';

const FAST_RETRY = { initialIntervalMs: 50, coefficient: 2, maxIntervalMs: 200, maxAttempts: 3, nonRetryable: [] };
const ALL_STAGES = ['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect'] as const;

let db: TestDatabase;
let topics: TestTopics;
let running: RunningServiceApp;
let peer: TestPeer;
/** Per application: how the peer answers its commands (default: succeed at once). */
const behaviours = new Map<string, PeerBehaviour>();

const taskIds = new Map<string, string>();

async function createTask(body: Record<string, unknown>): Promise<{ taskId: string; runIds: string[] }> {
  const res = await api<{ task: { id: string }; plan: { runs: Array<{ runId: string }> } }>(running.url, 'POST', '/api/tasks', { ...COMPONENT_TASK, ...body });
  expect(res.status).toBe(201);
  const started = await api(running.url, 'POST', `/api/tasks/${res.body.task.id}/start`);
  expect(started.status).toBe(200);
  const selected = (body.selection as { applications?: string[] } | undefined)?.applications?.[0];
  if (selected) taskIds.set(selected, res.body.task.id);
  return { taskId: res.body.task.id, runIds: res.body.plan.runs.map((r) => r.runId) };
}

async function runStatus(runId: string): Promise<string> {
  const [row] = await sql<{ status: string }>(db, 'SELECT status FROM runs WHERE id = $1', [runId]);
  return row?.status ?? 'missing';
}

const commandsOf = (runId: string): StepCommand[] => peer.commands.filter((c) => c.runId === runId);

beforeAll(async () => {
  db = await createTestDatabase('tm_orch', { create: false });
  topics = await createTestTopics('tm-orch');
  peer = new TestPeer(topics);
  peer.behaviour = (c) => (behaviours.get(c.application.name) ?? ALWAYS_SUCCEED)(c);
  await peer.start();
  running = await bootTaskManager(db, topics, { WEBHOOK_RETRY_INITIAL_MS: '50' });
  const imported = await api(running.url, 'POST', '/api/applications/import', [
    ...['happy', 'compile', 'flaky', 'dup', 'late', 'timeout', 'approve', 'pause-1', 'pause-2', 'hooked', 'release-aborted', 'usage', 'release-controls', 'release-early', 'late-abort', 'release-paused'].map((name) => ({ name, team: `team-${name}`, service: 'svc', repositoryUrl: `/repos/${name}.git` })),
  ]);
  expect(imported.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await running?.app.close();
  await peer?.stop();
  await db?.drop();
  if (topics) await deleteTestTopics(topics);
});

describe('orchestrator on the real stack', () => {
  it('drives a run through every stage, releasing its resources, publishing events and notices', async () => {
    const { runIds } = await createTask({ selection: { applications: ['happy'] } });
    const runId = runIds[0]!;
    await waitFor(async () => (await runStatus(runId)) === 'succeeded', { timeoutMs: 20_000, description: 'run succeeded' });
    await waitFor(() => commandsOf(runId).length === 9, { description: 'release commands' });

    const commands = commandsOf(runId);
    expect(commands.filter((c) => !c.stage.endsWith('-release')).map((c) => c.stepId)).toEqual(ALL_STAGES.map((s) => `${runId}:${s}:1`));
    expect(commands.filter((c) => c.stage.endsWith('-release')).map((c) => c.stepId)).toEqual([`${runId}:env-release:1`, `${runId}:branch-release:1`]);
    expect(commands.find((c) => c.stage === 'branch-release')?.resources.map((r) => r.kind)).toEqual(['branch', 'merge-request']);
    const verify = commands.find((c) => c.stage === 'test-verify')!;
    expect(verify).toMatchObject({
      application: { name: 'happy', team: 'team-happy', repositoryUrl: '/repos/happy.git' },
      componentChange: { coordinates: 'com.example:rpc-client', toVersion: '2.0.0' },
      rules: [{ recipe: 'shipshape.maven.UpgradeDependencyVersion', optionsJson: '{"groupId":"com.example"}' }],
      parameters: { testEnv: { environmentId: `env-${runId}` } },
    });
    expect(verify.deadline - verify.issuedAt).toBe(30 * 60_000);
    // The environment is given back as soon as test-verify is done, before merge; the branch after merge.
    const queued = await sql<{ stage: string }>(db, 'SELECT stage FROM steps WHERE run_id = $1 ORDER BY queued_at', [runId]);
    expect(queued.map((q) => q.stage)).toEqual(['change', 'test-deploy', 'test-verify', 'review', 'env-release', 'merge', 'release', 'branch-release', 'detect']);

    await waitFor(async () => {
      const ledger = await sql<{ status: string }>(db, 'SELECT status FROM run_resources WHERE run_id = $1', [runId]);
      return ledger.length === 3 && ledger.every((r) => r.status === 'released');
    }, { description: 'ledger released' });
    await waitFor(() => peer.runEvents.some((e) => e.runId === runId && e.scope === 'RUN' && e.transition === 'SUCCEEDED'), { description: 'RUN SUCCEEDED event' });
    const stageEvents = peer.runEvents.filter((e) => e.runId === runId && e.scope === 'STAGE' && e.transition === 'SUCCEEDED').map((e) => e.stage);
    expect(stageEvents).toEqual([...ALL_STAGES]);
    await waitFor(() => peer.notifications.some((n) => n.runId === runId && n.team === 'team-happy' && n.title.startsWith('Run succeeded')), { description: 'notice to the team' });
  });

  it('fails a run at once on a non-retryable error class', async () => {
    behaviours.set('compile', (c) => [c.stage === 'change' ? failed(c, 'COMPILE_ERROR') : succeeded(c)]);
    const { runIds } = await createTask({ selection: { applications: ['compile'] } });
    const runId = runIds[0]!;
    await waitFor(async () => (await runStatus(runId)) === 'failed', { description: 'run failed' });
    expect(commandsOf(runId).map((c) => c.stepId)).toEqual([`${runId}:change:1`]);
    await waitFor(() => peer.notifications.some((n) => n.runId === runId && n.severity === 'ERROR'), { description: 'failure notice' });
    const [step] = await sql<{ status: string; error_class: string }>(db, 'SELECT status, error_class FROM steps WHERE run_id = $1', [runId]);
    expect(step).toEqual({ status: 'failed', error_class: 'COMPILE_ERROR' });
  });

  it('retries a retryable failure after the backoff and succeeds', async () => {
    behaviours.set('flaky', (c) => [c.stage === 'test-deploy' && c.attempt === 1 ? failed(c, 'TRANSIENT') : succeeded(c, { acquired: acquiredBy(c) })]);
    const { runIds } = await createTask({
      selection: { applications: ['flaky'] },
      pipeline: { stages: [{ name: 'change' }, { name: 'test-deploy', retry: FAST_RETRY }, { name: 'test-verify' }] },
    });
    const runId = runIds[0]!;
    await waitFor(async () => (await runStatus(runId)) === 'succeeded', { description: 'run succeeded after retry' });
    expect(commandsOf(runId).filter((c) => !c.stage.endsWith('-release')).map((c) => c.stepId)).toEqual([
      `${runId}:change:1`,
      `${runId}:test-deploy:1`,
      `${runId}:test-deploy:2`,
      `${runId}:test-verify:1`,
    ]);
    expect(peer.runEvents.some((e) => e.runId === runId && e.transition === 'RETRIED' && e.errorClass === 'TRANSIENT')).toBe(true);
    expect(await sql(db, 'SELECT * FROM scheduled_retries WHERE run_id = $1', [runId])).toEqual([]);
  });

  it('turns a missed deadline into TIMEOUT', async () => {
    behaviours.set('timeout', (c) => (c.stage === 'change' ? [] : [succeeded(c)]));
    const { runIds } = await createTask({
      selection: { applications: ['timeout'] },
      pipeline: { stages: [{ name: 'change', timeoutMs: 300, retry: { ...FAST_RETRY, maxAttempts: 2 } }] },
    });
    const runId = runIds[0]!;
    await waitFor(async () => (await runStatus(runId)) === 'failed', { description: 'run failed by timeout' });
    expect(commandsOf(runId).map((c) => c.stepId)).toEqual([`${runId}:change:1`, `${runId}:change:2`]);
    const steps = await sql<{ status: string; error_class: string }>(db, 'SELECT status, error_class FROM steps WHERE run_id = $1 ORDER BY attempt', [runId]);
    expect(steps).toEqual([
      { status: 'abandoned', error_class: 'TIMEOUT' },
      { status: 'abandoned', error_class: 'TIMEOUT' },
    ]);
  });

  it('ignores duplicate results (redelivered and re-sent)', async () => {
    behaviours.set('dup', (c) => {
      const r = succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] });
      return [r, r, { ...r, eventId: `${r.eventId}-again` }];
    });
    const { runIds } = await createTask({ selection: { applications: ['dup'] } });
    const runId = runIds[0]!;
    await waitFor(async () => (await runStatus(runId)) === 'succeeded', { timeoutMs: 20_000, description: 'run succeeded' });
    await waitFor(() => commandsOf(runId).length === 9, { description: 'release commands' });
    expect(commandsOf(runId).map((c) => c.stepId).filter((id, i, all) => all.indexOf(id) !== i)).toEqual([]);
    const stageSucceeded = peer.runEvents.filter((e) => e.runId === runId && e.scope === 'STAGE' && e.transition === 'SUCCEEDED');
    expect(stageSucceeded).toHaveLength(7);
  });

  it('ignores a late result after abort, releasing what the run held', async () => {
    const held: StepCommand[] = [];
    behaviours.set('late', (c) => {
      if (c.stage === 'test-verify') {
        held.push(c);
        return [];
      }
      return [succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] })];
    });
    const { runIds } = await createTask({ selection: { applications: ['late'] } });
    const runId = runIds[0]!;
    await waitFor(() => held.length === 1, { description: 'test-verify dispatched' });

    const aborted = await api<{ status: string }>(running.url, 'POST', `/api/runs/${runId}/abort`, { reason: 'changed our mind' });
    expect(aborted).toMatchObject({ status: 200, body: { status: 'aborted' } });
    const again = await api<{ message: string }>(running.url, 'POST', `/api/runs/${runId}/abort`);
    expect(again).toMatchObject({ status: 409, body: { message: 'run already aborted' } });

    const late = succeeded(held[0]!);
    await peer.send([late]);
    await waitFor(async () => (await sql(db, 'SELECT 1 FROM messaging_inbox WHERE message_id = $1', [late.eventId])).length === 1, { description: 'late result consumed' });
    await waitFor(async () => {
      const ledger = await sql<{ status: string }>(db, 'SELECT status FROM run_resources WHERE run_id = $1', [runId]);
      return ledger.length === 2 && ledger.every((r) => r.status === 'released');
    }, { description: 'branch and environment released' });
    expect(await runStatus(runId)).toBe('aborted');
    expect(commandsOf(runId).some((c) => c.stage === 'review')).toBe(false);
    expect((await sql<{ status: string }>(db, `SELECT status FROM steps WHERE step_id = $1`, [held[0]!.stepId]))[0]?.status).toBe('abandoned');
  });

  it('aborts a run whose release was aborted in release-service (FAILED INVALID_INPUT, details.reason aborted)', async () => {
    behaviours.set('release-aborted', (c) =>
      c.stage === 'release'
        ? [failed(c, 'INVALID_INPUT', { message: 'aborted by hand', details: { reason: 'aborted' } })]
        : [succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] })],
    );
    const { runIds } = await createTask({ selection: { applications: ['release-aborted'] } });
    const runId = runIds[0]!;
    await waitFor(async () => (await runStatus(runId)) !== 'running' && (await runStatus(runId)) !== 'pending', { description: 'run finished', timeoutMs: 30_000 });
    expect(await runStatus(runId)).toBe('aborted');
    expect(commandsOf(runId).some((c) => c.stage === 'detect')).toBe(false);
    await waitFor(() => peer.runEvents.some((e) => e.runId === runId && e.scope === 'RUN' && e.transition === 'ABORTED'), { description: 'RUN ABORTED event' });
  });

  it('sends release controls to the release step in progress over Kafka (StepCommand.control), releasing exactly the merged commit; an ABORTED release aborts the run', async () => {
    const merged = 'c0ffee'.padEnd(40, '1');
    behaviours.set('release-controls', (c) => {
      if (c.stage === 'merge') return [succeeded(c, { details: { mergedCommit: merged, how: 'merged' }, released: [] })];
      if (c.stage !== 'release') return [succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] })];
      if (c.control === 'ABORT') return [succeeded(c, { outcome: 'ABORTED', errorClass: null, message: 'release aborted by hand; rolled back', details: { reason: 'aborted' } })];
      return []; // the release bakes; PAUSE and PROMOTE are only recorded
    });
    behaviours.set('release-early', (c) => (c.stage === 'change' ? [] : [succeeded(c)]));
    const { runIds } = await createTask({ selection: { applications: ['release-controls'] } });
    const runId = runIds[0]!;
    const [early] = (await createTask({ selection: { applications: ['release-early'] } })).runIds;

    const step = await waitFor(() => commandsOf(runId).find((c) => c.stage === 'release' && c.control === null), { description: 'release step', timeoutMs: 30_000 });
    expect(step.parameters.release?.gitRef).toBe(merged);
    const refused = await api<{ message: string }>(running.url, 'POST', `/api/runs/${early}/release/pause`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('no release in progress');
    expect((await api(running.url, 'POST', `/api/runs/${runId}/release/rollback`)).status).toBe(400);

    for (const control of ['pause', 'promote'] as const) {
      const sent = await api<{ stepId: string; control: string; commandId: string }>(running.url, 'POST', `/api/runs/${runId}/release/${control}`);
      expect(sent.status).toBe(202);
      expect(sent.body).toMatchObject({ stepId: step.stepId, control });
      const received = await waitFor(() => commandsOf(runId).find((c) => c.eventId === sent.body.commandId), { description: `${control} over Kafka` });
      expect(received).toMatchObject({ stepId: step.stepId, stage: 'release', attempt: step.attempt, control: control.toUpperCase(), parameters: step.parameters, deadline: expect.any(Number) });
    }
    expect(await runStatus(runId)).toBe('running');

    expect((await api(running.url, 'POST', `/api/runs/${runId}/release/abort`)).status).toBe(202);
    await waitFor(async () => (await runStatus(runId)) === 'aborted', { description: 'run aborted by its release', timeoutMs: 30_000 });
    expect(commandsOf(runId).some((c) => c.stage === 'detect')).toBe(false);
    expect((await api(running.url, 'POST', `/api/runs/${runId}/release/resume`)).status).toBe(409);
  });

  it('records a release paused and resumed by hand as manual actions: run events name each control, and the run is not one-shot in the statistics', async () => {
    behaviours.set('release-paused', (c) =>
      c.stage === 'release' ? [] : [succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] })],
    );
    const { taskId, runIds } = await createTask({ selection: { applications: ['release-paused'] } });
    const runId = runIds[0]!;
    const step = await waitFor(() => commandsOf(runId).find((c) => c.stage === 'release' && c.control === null), { description: 'release step', timeoutMs: 30_000 });

    const sent: Array<{ control: string; commandId: string }> = [];
    for (const control of ['pause', 'resume'] as const) {
      const res = await api<{ commandId: string }>(running.url, 'POST', `/api/runs/${runId}/release/${control}`);
      expect(res.status).toBe(202);
      sent.push({ control, commandId: res.body.commandId });
      await waitFor(() => commandsOf(runId).find((c) => c.eventId === res.body.commandId && c.control === control.toUpperCase()), { description: `${control} over Kafka` });
    }
    const events = await waitFor(() => {
      const found = peer.runEvents.filter((e) => e.runId === runId && e.scope === 'STAGE' && e.stage === 'release' && e.transition === 'PROGRESS');
      return found.length >= 2 ? found : undefined;
    }, { description: 'a run event per release control' });
    expect(events.map((e) => ({ taskId: e.taskId, stepId: e.stepId, attempt: e.attempt, message: e.message }))).toEqual(
      sent.map((s) => ({ taskId, stepId: step.stepId, attempt: step.attempt, message: `release ${s.control} sent to release-service by hand (command ${s.commandId})` })),
    );

    await peer.send([succeeded(step, { message: 'released to every instance' })]);
    await waitFor(async () => (await runStatus(runId)) === 'succeeded', { description: 'run succeeded', timeoutMs: 30_000 });
    const run = await api<{ state: { retries: number; manualActions: number } }>(running.url, 'GET', `/api/runs/${runId}`);
    expect(run.body.state).toMatchObject({ retries: 0, manualActions: 2 });
    const stats = await api<Record<string, unknown>>(running.url, 'GET', `/api/tasks/${taskId}/stats`);
    expect(stats.body).toMatchObject({ runsByStatus: { succeeded: 1 }, oneShotSuccess: { rate: 0, oneShot: 0, ended: 1 } });
  });

  it('ignores a late ABORTED of a release step the run no longer waits for (aborted, then restarted)', async () => {
    behaviours.set('late-abort', (c) => (c.stage === 'release' ? [] : [succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] })]));
    const { runIds } = await createTask({ selection: { applications: ['late-abort'] } });
    const runId = runIds[0]!;
    const first = await waitFor(() => commandsOf(runId).find((c) => c.stage === 'release'), { description: 'release step 1', timeoutMs: 30_000 });
    expect((await api(running.url, 'POST', `/api/runs/${runId}/abort`)).status).toBe(200);
    expect((await api(running.url, 'POST', `/api/runs/${runId}/restart`)).status).toBe(200);
    const second = await waitFor(() => commandsOf(runId).find((c) => c.stage === 'release' && c.stepId !== first.stepId), { description: 'release step 2', timeoutMs: 30_000 });

    // release-service finishes rolling back the first release only now; then a progress of the second (same partition, after it)
    await peer.send([
      succeeded(first, { outcome: 'ABORTED', errorClass: null, message: 'release aborted by hand; rolled back' }),
      succeeded(second, { outcome: 'PROGRESS', message: 'baking' }),
    ]);
    await waitFor(() => peer.runEvents.some((e) => e.runId === runId && e.stepId === second.stepId && e.transition === 'PROGRESS'), { description: 'the later progress applied' });
    expect(await runStatus(runId)).toBe('running');
  });

  it('waits for approval under a manual policy; controls answer 409 with the reason when illegal', async () => {
    const { runIds } = await createTask({ selection: { applications: ['approve'] }, approval: 'manual' });
    const runId = runIds[0]!;
    await waitFor(async () => (await runStatus(runId)) === 'awaiting-approval', { description: 'awaiting approval' });
    const skip = await api<{ message: string }>(running.url, 'POST', `/api/runs/${runId}/skip`, { stage: 'change' });
    expect(skip).toMatchObject({ status: 409, body: { message: 'stage change already succeeded' } });
    const restart = await api<{ message: string }>(running.url, 'POST', `/api/runs/${runId}/restart`);
    expect(restart).toMatchObject({ status: 409, body: { message: 'run is awaiting-approval; abort it first' } });
    const badSkip = await api<{ errors: Array<{ field: string }> }>(running.url, 'POST', `/api/runs/${runId}/skip`, { stage: 'deploy' });
    expect(badSkip.status).toBe(400);
    expect(badSkip.body.errors[0]?.field).toBe('stage');

    expect((await api(running.url, 'POST', `/api/runs/${runId}/approve`, { by: 'alice' })).status).toBe(200);
    await waitFor(async () => (await runStatus(runId)) === 'succeeded', { description: 'run succeeded after approval' });
  });

  it('pauses, resumes and aborts a whole task', async () => {
    const held: StepCommand[] = [];
    const hold: PeerBehaviour = (c) => {
      if (c.stage === 'test-deploy' || c.stage === 'review') {
        held.push(c);
        return [];
      }
      return [succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] })];
    };
    behaviours.set('pause-1', hold);
    behaviours.set('pause-2', hold);
    const { taskId, runIds } = await createTask({ selection: { applications: ['pause-1', 'pause-2'] } });
    await waitFor(() => held.length === 2, { description: 'both runs at test-deploy' });

    const paused = await api<{ applied: number; task: { status: string } }>(running.url, 'POST', `/api/tasks/${taskId}/pause`);
    expect(paused.body).toMatchObject({ applied: 2, task: { status: 'paused' } });
    expect(await api(running.url, 'POST', `/api/tasks/${taskId}/pause`)).toMatchObject({ status: 409, body: { message: 'task is paused; cannot pause it' } });
    expect((await api(running.url, 'POST', `/api/tasks/${taskId}/start`)).status).toBe(409);

    // The steps in flight finish, but nothing new is dispatched while paused.
    const answers = held.splice(0).map((c) => succeeded(c, { acquired: acquiredBy(c) }));
    await peer.send(answers);
    await waitFor(async () => (await sql(db, `SELECT 1 FROM messaging_inbox WHERE message_id = ANY($1)`, [answers.map((a) => a.eventId)])).length === 2, { description: 'results consumed' });
    expect(runIds.flatMap((id) => commandsOf(id)).some((c) => c.stage === 'test-verify')).toBe(false);

    expect((await api(running.url, 'POST', `/api/tasks/${taskId}/resume`)).status).toBe(200);
    await waitFor(() => held.length === 2, { description: 'both runs at review after resume' });

    const aborted = await api<{ applied: number; task: { status: string } }>(running.url, 'POST', `/api/tasks/${taskId}/abort`);
    expect(aborted.body).toMatchObject({ applied: 2, task: { status: 'aborted' } });
    for (const id of runIds) expect(await runStatus(id)).toBe('aborted');
    await waitFor(async () => {
      const ledger = await sql<{ status: string }>(db, 'SELECT status FROM run_resources WHERE run_id = ANY($1)', [runIds]);
      return ledger.length === 4 && ledger.every((r) => r.status === 'released');
    }, { description: 'every branch and environment released' });
  });

  it('reports statistics per task and overall', async () => {
    const happy = await api<Record<string, unknown>>(running.url, 'GET', `/api/tasks/${taskIds.get('happy')}/stats`);
    expect(happy.status).toBe(200);
    expect(happy.body).toMatchObject({
      scope: { tasks: 1, runs: 1, applications: 1, teams: 1 },
      runsByStatus: { succeeded: 1 },
      oneShotSuccess: { rate: 1, oneShot: 1, ended: 1 },
      estimatedPersonDaysSaved: 0.5,
    });
    expect(Object.keys(happy.body.stageDurationsMs as object).sort()).toEqual([...ALL_STAGES, 'branch-release', 'env-release'].sort());

    const flaky = await api<Record<string, unknown>>(running.url, 'GET', `/api/tasks/${taskIds.get('flaky')}/stats`);
    expect(flaky.body).toMatchObject({ oneShotSuccess: { rate: 0, oneShot: 0, ended: 1 }, failedStepsByErrorClass: { TRANSIENT: 1 } });

    const all = await api<Record<string, unknown>>(running.url, 'GET', '/api/stats');
    expect(all.body).toMatchObject({
      failedRunsByErrorClass: { COMPILE_ERROR: 1, TIMEOUT: 1 },
      failedRunsByRootCause: { 'new-component-incompatibility': 1, platform: 1 },
    });
    expect((all.body.runsByStatus as Record<string, number>).aborted).toBeGreaterThanOrEqual(3);
    expect((await api(running.url, 'GET', '/api/tasks/3f1f7c1e-0000-4000-8000-000000000000/stats')).status).toBe(404);
  });

  it('counts the build time test-env-service reports (usage.metrics.buildCpuSeconds) in the resources used', async () => {
    behaviours.set('usage', (c) => [
      succeeded(c, {
        acquired: acquiredBy(c),
        released: c.stage.endsWith('-release') ? c.resources : [],
        ...(c.stage === 'test-deploy' ? { usage: { durationMs: 120_000, cpuMillis: 90_000, peakMemoryBytes: null, metrics: { buildCpuSeconds: 90 } } } : {}),
      }),
    ]);
    const { taskId, runIds } = await createTask({ selection: { applications: ['usage'] } });
    await waitFor(async () => (await runStatus(runIds[0]!)) === 'succeeded', { description: 'run succeeded' });
    const stats = await api<{ resourcesUsed: Record<string, number> }>(running.url, 'GET', `/api/tasks/${taskId}/stats`);
    expect(stats.body.resourcesUsed).toMatchObject({ buildMinutes: 1.5, stepCpuMinutes: 1.5 });
  });

  it("delivers a team's notices to its webhook, HMAC-signed, retrying after a failure", async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = received.length === 1 ? 503 : 204; // the first attempt fails
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const secret = 'a-secret-of-sixteen-chars';
      const bad = await api<{ errors: Array<{ field: string }> }>(running.url, 'POST', '/api/teams/team-hooked/webhooks', { url: 'ftp://x', secret: 'short' });
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['secret', 'url']);
      expect((await api(running.url, 'POST', '/api/teams/team-hooked/webhooks', { url: hookUrl, secret })).status).toBe(201);

      behaviours.set('hooked', (c) => [failed(c, 'DEPENDENCY_RESOLUTION')]);
      const { runIds } = await createTask({ selection: { applications: ['hooked'] } });
      await waitFor(() => received.length >= 2, { timeoutMs: 15_000, description: 'webhook retried' });

      expect(received[0]!.body).toBe(received[1]!.body);
      expect(received[0]!.headers['x-shipshape-delivery']).toBe(received[1]!.headers['x-shipshape-delivery']);
      const notice = JSON.parse(received[1]!.body) as { team: string; runId: string; severity: string };
      expect(notice).toMatchObject({ team: 'team-hooked', runId: runIds[0], severity: 'ERROR' });
      expect(verifySignature(secret, received[1]!.body, String(received[1]!.headers['x-shipshape-signature']))).toBe(true);
      expect(verifySignature('another-secret-1234', received[1]!.body, String(received[1]!.headers['x-shipshape-signature']))).toBe(false);
      await waitFor(async () => {
        const [d] = await sql<{ status: string; attempts: number }>(db, 'SELECT status, attempts FROM webhook_deliveries');
        return d?.status === 'delivered' && d.attempts === 2;
      }, { description: 'delivery recorded' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
