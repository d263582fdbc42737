/**
 * task-manager and release-service together on the real stack: task-manager in-process on its own
 * database and topics, a test peer standing in for the other step services, and the real
 * release-service (in-process, same topics) gray-releasing a real node:http application from a real
 * git repository onto real processes. Proves the release controls path end to end:
 * task-manager REST → outbox → Kafka (StepCommand.control) → release-service → instances, results back
 * over Kafka; and that the release is the exact commit the merge stage reported.
 */
import type { StepCommand } from '@shipshape/contracts';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseView } from '../../services/release-service/src/gray-release/release.controller';
import type { RuntimeInstance } from '../../services/release-service/src/runtime/runtime.types';
import { RELEASE_SERVICE_SERVICE } from '../../services/release-service/src/service';
import { createSampleRepo, closeReleaseService, getJson, SAMPLE_COMMANDS, type SampleRepo } from '../../services/release-service/src/testing/sample-app.fixture';
import {
  ALWAYS_SUCCEED,
  COMPONENT_TASK,
  TestPeer,
  api,
  bootTaskManager,
  createTestTopics,
  deleteTestTopics,
  succeeded,
  type TestTopics,
} from '../../services/task-manager/test/task-manager.harness';

const APPLICATION = 'controlled-app';

let topics: TestTopics;
let tmDb: TestDatabase;
let rsDb: TestDatabase;
let taskManager: RunningServiceApp;
let releaseService: RunningServiceApp;
let peer: TestPeer;
let repo: SampleRepo;
let workDir: string;
/** The commit the peer's merge stage reports, per task. */
const mergedCommits = new Map<string, string>();

async function runTask(commit: string, parameters: Record<string, string>): Promise<string> {
  const created = await api<{ task: { id: string }; plan: { runs: Array<{ runId: string }> } }>(taskManager.url, 'POST', '/api/tasks', {
    ...COMPONENT_TASK,
    selection: { applications: [APPLICATION] },
    parameters: {
      'release.metrics.requests': 'app_requests_total',
      'release.metrics.errors': 'app_request_errors_total',
      'release.metrics.latency': 'app_request_duration_seconds',
      'release.probeIntervalMs': '100',
      ...parameters,
    },
  });
  expect(created.status).toBe(201);
  mergedCommits.set(created.body.task.id, commit);
  expect((await api(taskManager.url, 'POST', `/api/tasks/${created.body.task.id}/start`)).status).toBe(200);
  return created.body.plan.runs[0]!.runId;
}

async function runStatus(runId: string): Promise<string> {
  return (await api<{ status: string }>(taskManager.url, 'GET', `/api/runs/${runId}`)).body.status;
}

async function releaseOf(runId: string): Promise<ReleaseView | undefined> {
  return (await getJson<{ releases: ReleaseView[] }>(`${releaseService.url}/api/releases?runId=${runId}`)).releases.at(-1);
}

async function served(): Promise<string[]> {
  const { instances } = await getJson<{ instances: RuntimeInstance[] }>(`${releaseService.url}/api/runtime/applications/${APPLICATION}/instances`);
  return Promise.all(instances.map(async (i) => (await getJson<{ version: string }>(`http://${i.address}/version`)).version));
}

const control = (runId: string, what: 'pause' | 'resume' | 'promote' | 'abort') => api<{ stepId: string }>(taskManager.url, 'POST', `/api/runs/${runId}/release/${what}`);

beforeAll(async () => {
  const infra = await getTestInfra();
  topics = await createTestTopics('release-controls');
  tmDb = await createTestDatabase('xs_tm', { create: false });
  rsDb = await createTestDatabase('xs_release', { create: false });
  workDir = mkdtempSync(join(tmpdir(), 'shipshape-xs-release-'));
  repo = createSampleRepo();

  // The peer answers every stage but the release (release-service does); its merge reports the task's commit.
  peer = new TestPeer(topics);
  peer.behaviour = (c: StepCommand) => {
    if (c.stage === 'release') return [];
    if (c.stage === 'merge') return [succeeded(c, { details: { mergedCommit: mergedCommits.get(c.taskId) ?? '', how: 'merged' } })];
    return ALWAYS_SUCCEED(c);
  };
  await peer.start();
  taskManager = await bootTaskManager(tmDb, topics);
  releaseService = await startServiceApp({
    ...RELEASE_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: rsDb.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      RELEASE_WORK_DIR: workDir,
      RELEASE_WORKER_POLL_MS: '100',
      STEP_RESULTS_TOPIC: topics.results,
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [`${topics.commandPrefix}release-service`, topics.runEvents], groupId: uniqueTopic('xs-release') },
  });
  const imported = await api(taskManager.url, 'POST', '/api/applications/import', [
    { name: APPLICATION, team: 'team-x', service: 'svc', repositoryUrl: repo.url, buildTool: 'other', commands: { build: SAMPLE_COMMANDS.build, run: SAMPLE_COMMANDS.start }, productionInstances: 2 },
  ]);
  expect(imported.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await closeReleaseService(releaseService, [APPLICATION], rsDb?.url);
  await taskManager?.app.close();
  await peer?.stop();
  await tmDb?.drop();
  await rsDb?.drop();
  if (topics !== undefined) await deleteTestTopics(topics);
  repo?.remove();
  rmSync(workDir, { recursive: true, force: true });
});

describe('release controls from task-manager to release-service', () => {
  it('pauses, promotes, resumes and aborts a real gray release through task-manager\'s run controls', async () => {
    const c1 = repo.commitVersion('1.0.0');
    const first = await runTask(c1, { 'release.bakeMs': '200' });
    await waitFor(async () => (await runStatus(first)) === 'succeeded', { timeoutMs: 60_000, description: 'first release (provisioning) through the whole run' });
    expect(await served()).toEqual(['1.0.0', '1.0.0']);

    // v2 is merged, then main moves on to v3: the release takes exactly the merged commit
    const c2 = repo.commitVersion('2.0.0');
    repo.commitVersion('3.0.0');
    const second = await runTask(c2, { 'release.bakeMs': '60000' });
    const baking = await waitFor(async () => {
      const r = await releaseOf(second);
      return r?.bakeStartedAt != null ? r : undefined;
    }, { timeoutMs: 60_000, description: 'batch 1 baking' });
    expect(baking.target).toMatchObject({ commit: c2, version: '2.0.0' });

    const paused = await control(second, 'pause');
    expect(paused.status).toBe(202);
    expect(paused.body.stepId).toBe(baking.id);
    await waitFor(async () => (await releaseOf(second))?.paused === true || undefined, { description: 'paused in release-service' });
    expect((await control(second, 'promote')).status).toBe(202);
    const held = await waitFor(async () => {
      const r = await releaseOf(second);
      return r?.batch === 2 && r.bakeStartedAt === null ? r : undefined;
    }, { timeoutMs: 20_000, description: 'batch 1 promoted, release held before batch 2' });
    expect(held).toMatchObject({ status: 'running', paused: true });
    expect((await served()).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(await runStatus(second)).toBe('running');

    expect((await control(second, 'resume')).status).toBe(202);
    await waitFor(async () => {
      const r = await releaseOf(second);
      if (r?.status === 'running' && r.bakeStartedAt !== null && !r.promoteRequested && r.batch === 2) await control(second, 'promote');
      return (await runStatus(second)) === 'succeeded' || undefined;
    }, { timeoutMs: 45_000, intervalMs: 200, description: 'the release result back in task-manager and the run finished' });
    expect(await served()).toEqual(['2.0.0', '2.0.0']);

    // abort: rolled back in release-service, ABORTED over Kafka, the run ends aborted
    const c4 = repo.commitVersion('4.0.0');
    const third = await runTask(c4, { 'release.bakeMs': '60000' });
    await waitFor(async () => (await releaseOf(third))?.bakeStartedAt != null || undefined, { timeoutMs: 60_000, description: 'batch 1 of the third release baking' });
    expect((await control(third, 'abort')).status).toBe(202);
    await waitFor(async () => (await runStatus(third)) === 'aborted' || undefined, { timeoutMs: 30_000, description: 'the run aborted by its release' });
    expect(await releaseOf(third)).toMatchObject({ status: 'aborted', result: { outcome: 'ABORTED' } });
    expect(await served()).toEqual(['2.0.0', '2.0.0']);
    expect((await control(third, 'pause')).status).toBe(409);
  }, 240_000);
});
