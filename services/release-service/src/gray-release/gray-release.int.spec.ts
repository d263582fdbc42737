/**
 * Gray releases end to end, on real instances of a tiny node:http application built from a real git
 * repository: step commands arrive over Kafka (written through the outbox, published by the relay,
 * consumed through the inbox), results and instance events are read back from the outbox.
 */
import { AvroCodec, EVENT_SAMPLES, EVENT_TYPES, TOPICS, type RuntimeInstanceEvent, type StepCommand, type StepResult } from '@shipshape/contracts';
import { OutboxWriter } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase, type TestInfra } from '@shipshape/testkit';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../runtime/process-group';
import type { RuntimeInstance } from '../runtime/runtime.types';
import { RELEASE_SERVICE_SERVICE } from '../service';
import { createSampleRepo, closeReleaseService, getJson, SAMPLE_COMMANDS, type SampleRepo } from '../testing/sample-app.fixture';
import type { ReleaseView } from './release.controller';

const COMMANDS_TOPIC = uniqueTopic('release-steps');
const RUN_EVENTS_TOPIC = uniqueTopic('release-run-events');
const RESULTS_TOPIC = uniqueTopic('release-results');
const GROUP = uniqueTopic('release-steps-group');
const codec = AvroCodec.fromContracts();

let infra: TestInfra;
let db: TestDatabase;
let workDir: string;
let running: RunningServiceApp | null = null;
const repos: SampleRepo[] = [];
const applications: string[] = [];

function app(): RunningServiceApp {
  if (running === null) throw new Error('release-service is not running');
  return running;
}

async function boot(): Promise<RunningServiceApp> {
  return startServiceApp({
    ...RELEASE_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: db.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      RELEASE_WORK_DIR: workDir,
      RELEASE_WORKER_POLL_MS: '100',
      RELEASE_LEASE_MS: '3000',
      RELEASE_WATCHDOG_MS: '200',
      STEP_RESULTS_TOPIC: RESULTS_TOPIC,
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [COMMANDS_TOPIC, RUN_EVENTS_TOPIC], groupId: GROUP },
  });
}

/** The sample app's metrics, and short bakes. */
const GATE_EXTRA = {
  'release.metrics.requests': 'app_requests_total',
  'release.metrics.errors': 'app_request_errors_total',
  'release.metrics.latency': 'app_request_duration_seconds',
  'release.probeIntervalMs': '100',
  'release.bakeMs': '300',
};

let steps = 0;
/** Sends a release step for the application over Kafka (through the outbox and relay, like task-manager does). */
async function sendRelease(
  application: string,
  repo: SampleRepo,
  gitRef: string,
  extra: Record<string, string> = {},
  componentChange: StepCommand['componentChange'] = EVENT_SAMPLES.StepCommand.componentChange,
  buildCommand: string = SAMPLE_COMMANDS.build,
  runtime = 'local',
  deadline: number = Date.now() + 15 * 60_000,
): Promise<StepCommand> {
  steps += 1;
  const runId = `run-${application}`;
  const base = EVENT_SAMPLES.StepCommand;
  const command: StepCommand = {
    ...base,
    eventId: `cmd-${application}-${steps}`,
    stepId: `${runId}:release:${steps}`,
    runId,
    stage: 'release',
    attempt: steps,
    componentChange,
    deadline,
    application: { ...base.application, name: application, repositoryUrl: repo.url, buildTool: 'node', commands: { build: buildCommand, test: null, start: SAMPLE_COMMANDS.start }, labels: {} },
    parameters: {
      change: null,
      testEnv: null,
      release: { gitRef, runtime, trafficSteps: [25, 50, 100], observeSeconds: 1, maxErrorRate: 0.01, autoRollback: true },
      detect: null,
      extra: { ...GATE_EXTRA, ...extra },
    },
  };
  await publishCommand(command);
  return command;
}

async function publishCommand(command: StepCommand, messageId: string = command.stepId): Promise<void> {
  await app().context.dataSource.transaction((tx) =>
    app().app.get(OutboxWriter).add(tx, { topic: COMMANDS_TOPIC, key: command.runId, eventType: EVENT_TYPES.stepCommand, value: command, messageId }),
  );
}

async function outbox<T>(topic: string, eventType: string): Promise<T[]> {
  const rows = (await app().context.dataSource.query('SELECT payload FROM messaging_outbox WHERE topic = $1 AND event_type = $2 ORDER BY id', [topic, eventType])) as { payload: Buffer }[];
  return rows.map((r) => codec.decode(r.payload).value as T);
}

async function resultsOf(stepId: string): Promise<StepResult[]> {
  return (await outbox<StepResult>(RESULTS_TOPIC, EVENT_TYPES.stepResult)).filter((r) => r.stepId === stepId);
}

async function finalResult(stepId: string, timeoutMs = 60_000): Promise<StepResult> {
  return waitFor(async () => (await resultsOf(stepId)).find((r) => r.outcome !== 'PROGRESS'), { timeoutMs, intervalMs: 100, description: `the result of ${stepId}` });
}

async function instanceEvents(application: string): Promise<RuntimeInstanceEvent[]> {
  return (await outbox<RuntimeInstanceEvent>(TOPICS.runtimeInstances, EVENT_TYPES.runtimeInstanceEvent)).filter((e) => e.application === application);
}

async function instances(application: string): Promise<RuntimeInstance[]> {
  return (await getJson<{ instances: RuntimeInstance[] }>(`${app().url}/api/runtime/applications/${application}/instances`)).instances;
}

async function release(stepId: string): Promise<ReleaseView> {
  return getJson<ReleaseView>(`${app().url}/api/releases/${encodeURIComponent(stepId)}`);
}

/** A control as task-manager's run controls send it: the step's command again with `control` set, over Kafka. */
async function sendControl(step: StepCommand, control: NonNullable<StepCommand['control']>): Promise<void> {
  steps += 1;
  const command: StepCommand = { ...step, eventId: `ctl-${step.stepId}-${steps}`, issuedAt: Date.now(), control };
  await publishCommand(command, command.eventId);
}

async function control(stepId: string, action: 'pause' | 'resume' | 'promote' | 'abort'): Promise<Response> {
  return fetch(`${app().url}/api/releases/${encodeURIComponent(stepId)}/${action}`, { method: 'POST' });
}

/** What each instance really serves (asked over HTTP, not the registry). */
async function servedVersions(application: string): Promise<string[]> {
  const list = await instances(application);
  return Promise.all(list.map(async (i) => (await getJson<{ version: string }>(`http://${i.address}/version`)).version));
}

/** A repository with v1 on main, and production running it on four instances (a first release provisions them). */
async function productionOnV1(application: string, v2Health?: string): Promise<{ repo: SampleRepo; c1: string; c2: string }> {
  const repo = createSampleRepo();
  repos.push(repo);
  applications.push(application);
  const c1 = repo.commitVersion('1.0.0');
  const first = await sendRelease(application, repo, c1, { 'release.instances': '4' });
  expect(await finalResult(first.stepId)).toMatchObject({ outcome: 'SUCCEEDED' });
  expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  const c2 = repo.commitVersion('2.0.0', v2Health === undefined ? {} : { healthy: v2Health });
  return { repo, c1, c2 };
}

beforeAll(async () => {
  infra = await getTestInfra();
  db = await createTestDatabase('release_gray', { create: false });
  await createTopics(infra.kafkaBrokers, [COMMANDS_TOPIC, RUN_EVENTS_TOPIC, RESULTS_TOPIC]);
  workDir = mkdtempSync(join(tmpdir(), 'shipshape-release-work-'));
  running = await boot();
});

afterAll(async () => {
  await closeReleaseService(running, applications, db?.url);
  await db?.drop();
  await deleteTopics(infra.kafkaBrokers, [COMMANDS_TOPIC, RUN_EVENTS_TOPIC, RESULTS_TOPIC]);
  for (const repo of repos) repo.remove();
  rmSync(workDir, { recursive: true, force: true });
});

describe('gray release of the release stage', () => {
  it('releases a new version across 4 instances in batches of 1, 2 and 4, with progress per batch', async () => {
    const application = 'gray-clean';
    const { c2 } = await productionOnV1(application);
    const before = await instances(application);

    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2);
    const result = await finalResult(step.stepId);

    expect(result).toMatchObject({ outcome: 'SUCCEEDED', service: 'release-service', stage: 'release', details: { version: '2.0.0', commit: c2 } });
    expect(await servedVersions(application)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    for (const old of before) expect(processAlive(old.pid as number)).toBe(false);
    const progress = (await resultsOf(step.stepId)).filter((r) => r.outcome === 'PROGRESS');
    const passed = progress.filter((r) => r.progress?.phase === 'batch-passed');
    expect(passed.map((r) => [r.details.batch, r.progress?.percent])).toEqual([
      ['1', 25],
      ['2', 50],
      ['3', 100],
    ]);
    expect(passed[0]?.details).toMatchObject({ 'gate.health.value': '1', 'gate.health.passed': 'true', 'gate.errorRate.value': '0', 'gate.latency.passed': 'true' });
    const replaced = (await instanceEvents(application)).filter((e) => e.state === 'REPLACED');
    expect(replaced.map((e) => [e.instance, e.previousVersion, e.version, e.commit])).toEqual(['i-0', 'i-1', 'i-2', 'i-3'].map((i) => [i, '1.0.0', '2.0.0', c2]));

    const metrics = await (await fetch(`${app().url}/metrics`)).text();
    expect(metrics).toMatch(/^shipshape_release_batches_total\{[^}]*verdict="passed"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^shipshape_release_releases_finished_total\{[^}]*outcome="SUCCEEDED"[^}]*\} [1-9]/m);

    // the same step again (past the inbox, e.g. after its rows were purged): the stored result, nothing redone
    const pids = (await instances(application)).map((i) => i.pid);
    await publishCommand(step, `${step.stepId}#again`);
    await waitFor(async () => (await resultsOf(step.stepId)).filter((r) => r.outcome === 'SUCCEEDED').length === 2, { description: 'the repeated result' });
    expect((await instanceEvents(application)).filter((e) => e.state === 'REPLACED')).toHaveLength(4);
    expect((await instances(application)).map((i) => i.pid)).toEqual(pids);
  });

  it('checks the commit is on the default branch and builds before touching an instance', async () => {
    const application = 'gray-refused';
    const { repo, c1 } = await productionOnV1(application);
    const side = repo.commitVersion('3.0.0', { onBranch: 'feature' });
    const before = await instances(application);

    const offBranch = await sendRelease(application, repo, side);
    const otherRuntime = await sendRelease(application, repo, 'main', {}, undefined, undefined, 'kubernetes');
    const broken = await sendRelease(application, repo, 'main', {}, undefined, 'node --check missing.js');

    expect(await finalResult(offBranch.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'INVALID_INPUT', details: { commit: side, defaultBranch: 'main' } });
    expect(await finalResult(otherRuntime.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'INVALID_INPUT', details: { field: 'parameters.release.runtime' } });
    expect(await finalResult(broken.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'COMPILE_ERROR', details: { exitCode: '1' } });
    expect((await instances(application)).map((i) => [i.pid, i.commit])).toEqual(before.map((i) => [i.pid, c1]));
    // releases of one application run one at a time, in arrival order
    const order = (await outbox<StepResult>(RESULTS_TOPIC, EVENT_TYPES.stepResult)).filter((r) => [offBranch.stepId, otherRuntime.stepId, broken.stepId].includes(r.stepId));
    const firstOfBroken = order.findIndex((r) => r.stepId === broken.stepId);
    expect(order.slice(firstOfBroken).every((r) => r.stepId === broken.stepId)).toBe(true);
  });

  it('rolls every replaced instance back when the new version fails its health probe in the second batch', async () => {
    const application = 'gray-unhealthy';
    // v2 is healthy only on i-0: batch 1 (i-0) passes, batch 2 (i-0, i-1) fails.
    const { c1, c2 } = await productionOnV1(application, "process.env.INSTANCE_ID === 'i-0'");

    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2);
    const result = await finalResult(step.stepId);

    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'HEALTH_GATE_FAILED', details: { batch: '2', 'gate.health.passed': 'false', rolledBack: 'i-0,i-1,i-2,i-3' } });
    expect(result.details['gate.failed']).toContain('health');
    expect(Number(result.details['gate.health.value'])).toBeLessThan(0.95);
    expect(result.details['health.lastFailures']).toContain('i-1: HTTP 503');
    // the 503s are counted by the app's error counter, read from its /metrics
    expect(result.details['gate.errorRate.passed']).toBe('false');
    expect(Number(result.details['gate.errorRate.value'])).toBeGreaterThan(0.01);
    expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    expect((await instances(application)).map((i) => [i.version, i.commit, i.state])).toEqual(Array.from({ length: 4 }, () => ['1.0.0', c1, 'running']));
    const progress = (await resultsOf(step.stepId)).filter((r) => r.progress?.phase === 'batch-passed');
    expect(progress.map((r) => r.details.batch)).toEqual(['1']);
    const replaced = (await instanceEvents(application)).filter((e) => e.state === 'REPLACED');
    expect(replaced.map((e) => [e.instance, e.version])).toEqual([
      ['i-0', '2.0.0'],
      ['i-1', '2.0.0'],
      ['i-0', '1.0.0'],
      ['i-1', '1.0.0'],
    ]);
  });

  it('fails the latency gate of the first batch when the new version is slow, read from its metrics', async () => {
    const application = 'gray-slow';
    // v2 answers health after ~60 ms of work
    const { c2 } = await productionOnV1(application, '(() => { const t = Date.now(); while (Date.now() - t < 60); return true; })()');

    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.maxLatencyMs': '15' });
    const result = await finalResult(step.stepId);

    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'HEALTH_GATE_FAILED', details: { batch: '1', 'gate.failed': 'latency', 'gate.health.passed': 'true' } });
    // the p95 of the bake's requests, from the app's histogram buckets (its 60 ms health answers land in the (0.05, 0.1] bucket)
    expect(result.details['gate.latency.statistic']).toBe('p95');
    expect(Number(result.details['gate.latency.value'])).toBeGreaterThan(50);
    expect(Number(result.details['gate.latency.value'])).toBeLessThanOrEqual(100);
    expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  });

  it('pauses after the current batch and goes on when resumed; promote skips the rest of a bake', async () => {
    const application = 'gray-paused';
    const { c2 } = await productionOnV1(application);
    const started = Date.now();
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '60000' });

    await waitFor(async () => (await release(step.stepId)).bakeStartedAt !== null, { timeoutMs: 30_000, description: 'batch 1 baking' });
    expect((await control(step.stepId, 'pause')).status).toBe(202);
    expect((await control(step.stepId, 'pause')).status).toBe(409);
    expect((await control(step.stepId, 'promote')).status).toBe(202);

    // batch 1 ends early (promote) and the release holds before batch 2
    await waitFor(async () => (await resultsOf(step.stepId)).some((r) => r.progress?.phase === 'paused'), { timeoutMs: 15_000, description: 'paused' });
    const held = await release(step.stepId);
    expect(held).toMatchObject({ status: 'running', paused: true, batch: 2, bakeStartedAt: null });
    expect((await servedVersions(application)).sort()).toEqual(['1.0.0', '1.0.0', '1.0.0', '2.0.0']);

    expect((await control(step.stepId, 'resume')).status).toBe(202);
    expect((await control(step.stepId, 'resume')).status).toBe(409);
    // promote every remaining bake as soon as it starts
    const result = await waitFor(
      async () => {
        const now = await release(step.stepId);
        if (now.status === 'running' && now.bakeStartedAt !== null && !now.promoteRequested) await control(step.stepId, 'promote');
        return (await resultsOf(step.stepId)).find((r) => r.outcome !== 'PROGRESS');
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'the release to finish' },
    );

    expect(result).toMatchObject({ outcome: 'SUCCEEDED' });
    expect(Date.now() - started).toBeLessThan(30_000); // three 60 s bakes were skipped
    expect(await servedVersions(application)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    expect((await control(step.stepId, 'abort')).status).toBe(409);
    expect((await control('no-such-release', 'pause')).status).toBe(404);
  });

  it('aborts with a rollback', async () => {
    const application = 'gray-aborted';
    const { c2 } = await productionOnV1(application);
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '60000' });

    await waitFor(async () => (await release(step.stepId)).bakeStartedAt !== null, { timeoutMs: 30_000, description: 'batch 1 baking' });
    expect((await control(step.stepId, 'abort')).status).toBe(202);
    const result = await finalResult(step.stepId, 20_000);

    // stopped by hand: ABORTED, no error class (not a bad-input failure)
    expect(result).toMatchObject({ outcome: 'ABORTED', errorClass: null, details: { reason: 'aborted', rolledBack: 'i-0,i-1,i-2,i-3' } });
    expect(await release(step.stepId)).toMatchObject({ status: 'aborted' });
    expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  });

  it('aborts (with rollback) the release of a run task-manager aborted, from the run events', async () => {
    const application = 'gray-run-aborted';
    const { c2 } = await productionOnV1(application);
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '60000' });
    await waitFor(async () => (await release(step.stepId)).bakeStartedAt !== null, { timeoutMs: 30_000, description: 'batch 1 baking' });
    const base = EVENT_SAMPLES.RunEvent;
    const otherRun = { ...base, eventId: 'evt-other-abort', scope: 'RUN', transition: 'ABORTED', runId: 'run-someone-else', stage: null, stepId: null, attempt: null, errorClass: null } as const;
    const thisRun = { ...otherRun, eventId: `evt-abort-${step.runId}`, runId: step.runId, taskId: step.taskId };

    for (const event of [otherRun, thisRun]) {
      await app().context.dataSource.transaction((tx) =>
        app().app.get(OutboxWriter).add(tx, { topic: RUN_EVENTS_TOPIC, key: event.runId, eventType: EVENT_TYPES.runEvent, value: event, messageId: event.eventId }),
      );
    }
    const result = await finalResult(step.stepId, 30_000);

    expect(result).toMatchObject({ outcome: 'ABORTED', errorClass: null, details: { reason: 'aborted' } });
    expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  });

  it('resumes a release where it stood after release-service restarts, without starting over or leaving mixed versions', async () => {
    const application = 'gray-restarted';
    const { c2 } = await productionOnV1(application);
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '1500' });

    // stop release-service while batch 2 (i-0, i-1 on v2) bakes
    await waitFor(async () => {
      const now = await release(step.stepId);
      return now.batch === 2 && now.bakeStartedAt !== null;
    }, { timeoutMs: 30_000, intervalMs: 50, description: 'batch 2 baking' });
    const before = await instances(application);
    await app().app.close();
    running = null;
    for (const instance of before) expect(processAlive(instance.pid as number)).toBe(true); // production keeps running

    running = await boot();
    const result = await finalResult(step.stepId);

    expect(result).toMatchObject({ outcome: 'SUCCEEDED', details: { version: '2.0.0' } });
    expect(await servedVersions(application)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    const after = await instances(application);
    // i-0 and i-1 were on v2 before the restart: adopted, not replaced again
    expect(after.slice(0, 2).map((i) => i.pid)).toEqual(before.slice(0, 2).map((i) => i.pid));
    const events = await instanceEvents(application);
    expect(events.filter((e) => e.state === 'REPLACED').map((e) => e.instance)).toEqual(['i-0', 'i-1', 'i-2', 'i-3']);
    expect(events.filter((e) => e.state === 'STARTED')).toHaveLength(4); // the first release's, none since
    const all = await resultsOf(step.stepId);
    expect(all.filter((r) => r.outcome !== 'PROGRESS')).toHaveLength(1);
    expect(all.filter((r) => r.progress?.phase === 'prepared')).toHaveLength(1);
    expect(all.filter((r) => r.progress?.phase === 'batch-passed').map((r) => r.details.batch)).toEqual(['1', '2', '3']);
  });

  it('a sidecar release changes the agent version the instances start with, without a new build', async () => {
    const application = 'gray-sidecar';
    const { c1 } = await productionOnV1(application);
    const builds = (await instances(application)).map((i) => i.location);
    const sidecar = { kind: 'SIDECAR', ecosystem: 'java-agent', coordinates: 'com.example:trace-agent', fromRange: '<2.0', toVersion: '2.1.0' } as const;

    // main now has a v2 commit: a sidecar release must not pick it up
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, 'main', {}, sidecar);
    const result = await finalResult(step.stepId);

    expect(result).toMatchObject({ outcome: 'SUCCEEDED', details: { version: '1.0.0', commit: c1, agentVersion: '2.1.0' } });
    const list = await instances(application);
    expect(list.map((i) => [i.version, i.commit, i.agentVersion])).toEqual(Array.from({ length: 4 }, () => ['1.0.0', c1, '2.1.0']));
    expect(list.map((i) => i.location)).toEqual(builds);
    for (const instance of list) {
      expect(await getJson<{ agent: string | null }>(`http://${instance.address}/version`)).toMatchObject({ agent: '2.1.0' });
    }
    expect((await resultsOf(step.stepId)).some((r) => r.progress?.phase === 'building')).toBe(false);
    const replaced = (await instanceEvents(application)).filter((e) => e.state === 'REPLACED');
    expect(replaced.map((e) => e.components)).toEqual(Array.from({ length: 4 }, () => ({ agent: '2.1.0' })));
    // only the agent variable: no -javaagent stacked on what the start script loads
    for (const instance of list) expect(Object.keys(instance.env).sort()).toEqual(['INSTANCE_ID', 'SHIPSHAPE_AGENT_VERSION']);

    // a later code release starts the new build with the agent its start script declares: no stale agent setting
    const code = await sendRelease(application, repos.at(-1) as SampleRepo, 'main');
    expect(await finalResult(code.stepId)).toMatchObject({ outcome: 'SUCCEEDED', details: { version: '2.0.0', agentVersion: '' } });
    const after = await instances(application);
    expect(after.map((i) => [i.version, i.agentVersion, Object.keys(i.env).sort()])).toEqual(Array.from({ length: 4 }, () => ['2.0.0', null, ['INSTANCE_ID']]));
    for (const instance of after) expect(await getJson<{ agent: string | null }>(`http://${instance.address}/version`)).toMatchObject({ agent: null });
  });

  it('takes pause, promote and resume from task-manager\'s run controls: StepCommand.control over Kafka, applied once, refusals reported', async () => {
    const application = 'gray-kafka-controls';
    const { c2 } = await productionOnV1(application);
    const started = Date.now();
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '60000' });
    await waitFor(async () => (await release(step.stepId)).bakeStartedAt !== null, { timeoutMs: 30_000, description: 'batch 1 baking' });

    await sendControl(step, 'PAUSE');
    await waitFor(async () => (await release(step.stepId)).paused, { timeoutMs: 15_000, description: 'paused over Kafka' });
    await sendControl(step, 'PAUSE'); // a second pause is refused, and says so
    await waitFor(async () => (await resultsOf(step.stepId)).find((r) => r.progress?.phase === 'control-refused'), { timeoutMs: 15_000, description: 'the refusal' });
    await sendControl(step, 'PROMOTE');
    await waitFor(async () => (await resultsOf(step.stepId)).some((r) => r.progress?.phase === 'paused'), { timeoutMs: 15_000, description: 'batch 1 promoted, then held' });
    expect(await release(step.stepId)).toMatchObject({ status: 'running', paused: true, batch: 2, bakeStartedAt: null });
    expect((await servedVersions(application)).sort()).toEqual(['1.0.0', '1.0.0', '1.0.0', '2.0.0']);
    // the command itself again (a repeat of the step, e.g. read by a pre-v2 consumer) changes nothing
    await publishCommand(step, `${step.stepId}#again`);

    await sendControl(step, 'RESUME');
    const result = await waitFor(
      async () => {
        const now = await release(step.stepId);
        if (now.status === 'running' && now.bakeStartedAt !== null && !now.promoteRequested) await sendControl(step, 'PROMOTE');
        return (await resultsOf(step.stepId)).find((r) => r.outcome !== 'PROGRESS');
      },
      { timeoutMs: 45_000, intervalMs: 300, description: 'the release to finish' },
    );
    expect(result).toMatchObject({ outcome: 'SUCCEEDED' });
    expect(Date.now() - started).toBeLessThan(45_000); // the 60 s bakes were promoted
    expect(await servedVersions(application)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    expect((await resultsOf(step.stepId)).filter((r) => r.progress?.phase === 'prepared')).toHaveLength(1);
  });

  it('aborts over Kafka (ABORT control) with a rollback: outcome ABORTED', async () => {
    const application = 'gray-kafka-abort';
    const { c2 } = await productionOnV1(application);
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '60000' });
    await waitFor(async () => (await release(step.stepId)).bakeStartedAt !== null, { timeoutMs: 30_000, description: 'batch 1 baking' });

    await sendControl(step, 'ABORT');
    expect(await finalResult(step.stepId, 30_000)).toMatchObject({ outcome: 'ABORTED', errorClass: null });
    expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  });

  it('stops a release past its step deadline, rolls it back and fails TIMEOUT', async () => {
    const application = 'gray-deadline';
    const { c2 } = await productionOnV1(application);
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '60000' }, undefined, undefined, undefined, Date.now() + 6_000);

    const result = await finalResult(step.stepId, 30_000);

    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'TIMEOUT', details: { batch: '1', deadline: new Date(step.deadline).toISOString(), rolledBack: 'i-0,i-1,i-2,i-3' } });
    expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
    // a step that arrives after its deadline changes nothing
    const late = await sendRelease(application, repos.at(-1) as SampleRepo, c2, {}, undefined, undefined, undefined, Date.now() - 1);
    expect(await finalResult(late.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'TIMEOUT' });
    expect((await resultsOf(late.stepId)).some((r) => r.progress?.phase === 'building')).toBe(false);
  });

  it('the watchdog restarts an instance whose process died (STOPPED, STARTED) and a bake counts it against its crashes gate', async () => {
    const application = 'gray-crash';
    const { c1, c2 } = await productionOnV1(application);

    // outside a release: found, published, started again on what it ran
    const victim = (await instances(application))[3] as RuntimeInstance;
    process.kill(-(victim.pid as number), 'SIGKILL');
    const back = await waitFor(async () => (await instances(application)).find((i) => i.instanceId === 'i-3' && i.state === 'running' && i.pid !== victim.pid), {
      timeoutMs: 15_000,
      description: 'i-3 restarted',
    });
    expect(back).toMatchObject({ restarts: 1, commit: c1, version: '1.0.0' });
    expect((await getJson<{ version: string }>(`http://${back.address}/version`)).version).toBe('1.0.0');
    const events = (await instanceEvents(application)).filter((e) => e.instance === 'i-3').map((e) => e.state);
    expect(events.slice(-2)).toEqual(['STOPPED', 'STARTED']);

    // during the bake of batch 1: the new version's instance dies once; the watchdog brings it back, the gate still fails
    const step = await sendRelease(application, repos.at(-1) as SampleRepo, c2, { 'release.bakeMs': '60000' });
    await waitFor(async () => (await release(step.stepId)).bakeStartedAt !== null, { timeoutMs: 30_000, description: 'batch 1 baking' });
    const baking = (await instances(application))[0] as RuntimeInstance;
    expect(baking.version).toBe('2.0.0');
    process.kill(-(baking.pid as number), 'SIGKILL');
    const result = await finalResult(step.stepId, 30_000);

    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'HEALTH_GATE_FAILED', details: { batch: '1', 'gate.crashes.value': '1', 'gate.crashes.passed': 'false' } });
    expect(result.details['gate.failed']).toContain('crashes');
    expect(await servedVersions(application)).toEqual(['1.0.0', '1.0.0', '1.0.0', '1.0.0']);
  });

  it('releases exactly the commit it is given (not the branch head) and keeps only the builds instances run now and ran before', async () => {
    const application = 'gray-builds';
    const { repo, c1, c2 } = await productionOnV1(application);
    const c3 = repo.commitVersion('3.0.0'); // main moved on after the merge of c2
    const buildsDir = join(workDir, 'builds', application);
    const builds = () => readdirSync(buildsDir).filter((f) => !f.endsWith('.build.log')).sort();

    const second = await sendRelease(application, repo, c2);
    expect(await finalResult(second.stepId)).toMatchObject({ outcome: 'SUCCEEDED', details: { version: '2.0.0', commit: c2 } });
    expect(await servedVersions(application)).toEqual(['2.0.0', '2.0.0', '2.0.0', '2.0.0']);
    expect(builds()).toEqual([c1, c2].sort());

    const third = await sendRelease(application, repo, c3);
    expect(await finalResult(third.stepId)).toMatchObject({ outcome: 'SUCCEEDED', details: { commit: c3 } });
    expect(builds()).toEqual([c2, c3].sort()); // c1: no instance runs it, and it is not what they ran before
    expect(existsSync(join(buildsDir, `${c1}.build.log`))).toBe(false);
  });
});
