import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec, EVENT_TYPES, type RunEventInput, type StepCommandInput, type StepResult } from '@shipshape/contracts';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase, type TestInfra } from '@shipshape/testkit';
import { Kafka, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentManager } from '../environments/environment.manager';
import { groupMembers } from '../environments/process-group';
import { TEST_ENV_SERVICE_SERVICE } from '../service';
import { createMavenRepo, createNpmRepo, SAMPLE_BRANCH } from '../testing/sample-apps';

const codec = AvroCodec.fromContracts();
let infra: TestInfra;
let db: TestDatabase;
let running: RunningServiceApp;
let producer: Producer;
let consumer: Consumer;
let root: string;
const results: StepResult[] = [];
const topics = { commands: uniqueTopic('te-cmd'), runs: uniqueTopic('te-run'), results: uniqueTopic('te-res') };

beforeAll(async () => {
  infra = await getTestInfra();
  root = mkdtempSync(join(tmpdir(), 'shipshape-stages-'));
  db = await createTestDatabase('test_env_stages', { create: false });
  await createTopics(infra.kafkaBrokers, [topics.commands, topics.runs, topics.results]);
  running = await startServiceApp({
    ...TEST_ENV_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: db.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      TEST_ENV_ROOT: root,
      TEST_ENV_RESULTS_TOPIC: topics.results,
      TEST_ENV_MAVEN_ARGS: '-o',
      TEST_ENV_REAPER_INTERVAL_MS: '500',
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [topics.commands, topics.runs], groupId: uniqueTopic('te-group') },
  });
  const kafka = new Kafka({ clientId: 'te-stages-test', brokers: infra.kafkaBrokers.split(','), logLevel: 0 });
  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: uniqueTopic('te-results') });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.results, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const decoded = codec.decode(message.value as Buffer);
      if (decoded.eventType === 'StepResult') results.push(decoded.value);
    },
  });
});

afterAll(async () => {
  // Nothing may leak: release whatever environment a test left (e.g. after a failed verify).
  const manager = running?.app.get(EnvironmentManager);
  const open: { id: string }[] = (await running?.context.dataSource.query(`SELECT id FROM environments WHERE state NOT IN ('released', 'failed')`)) ?? [];
  for (const { id } of open) await manager?.release(id);
  await consumer?.disconnect();
  await producer?.disconnect();
  await running?.app.close();
  await deleteTopics(infra.kafkaBrokers, Object.values(topics));
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

function command(runId: string, stage: string, repositoryUrl: string, buildTool: 'maven' | 'npm', extra: Partial<StepCommandInput> = {}): StepCommandInput {
  const stepId = `${runId}:${stage}:1`;
  return {
    eventId: `${stepId}:${Math.random()}`,
    stepId,
    runId,
    taskId: 'task-1',
    stage,
    attempt: 1,
    issuedAt: Date.now(),
    deadline: Date.now() + 10 * 60_000,
    application: {
      name: `app-${buildTool}`,
      team: 'team',
      repositoryUrl,
      defaultBranch: 'main',
      buildTool,
      commands: { build: null, test: null, start: buildTool === 'maven' ? 'java -cp target/classes com.example.App' : null },
    },
    componentChange: { ecosystem: buildTool, coordinates: 'com.example:x', fromRange: '1', toVersion: '2' },
    parameters: { testEnv: { gitRef: SAMPLE_BRANCH }, extra: { 'testEnv.env.GREETING': 'hello', 'testEnv.smokePaths': '/' } },
    ...extra,
  };
}

async function send(cmd: StepCommandInput): Promise<void> {
  await producer.send({
    topic: topics.commands,
    messages: [{ key: cmd.runId, value: codec.encodeEvent('StepCommand', cmd), headers: { 'message-id': cmd.stepId, 'event-type': EVENT_TYPES.stepCommand } }],
  });
}

function resultFor(stepId: string, timeoutMs = 90_000): Promise<StepResult> {
  return waitFor(() => results.find((r) => r.stepId === stepId), { timeoutMs, description: `result of ${stepId}` });
}

describe('test-deploy, test-verify, env-release over Kafka', () => {
  it('deploys a Maven app once per step, verifies it, serves its logs and releases it from the ledger', async () => {
    const repo = createMavenRepo(join(root, 'maven-ok'), 'ok');
    const deploy = command('run-maven', 'test-deploy', repo, 'maven');
    await send(deploy);
    await send({ ...deploy, eventId: 'redelivered' });
    const deployed = await resultFor(deploy.stepId);

    expect(deployed).toMatchObject({ outcome: 'SUCCEEDED', service: 'test-env-service', stage: 'test-deploy', errorClass: null });
    expect(deployed.acquired).toEqual([expect.objectContaining({ kind: 'test-environment', attributes: expect.objectContaining({ driver: 'local' }) })]);
    expect(deployed.usage.metrics['buildCpuSeconds']).toBeGreaterThan(0);
    const env = deployed.acquired[0]!;
    expect(await (await fetch(`${env.attributes['url']}/`)).text()).toBe('hello');
    const log = await fetch(`${running.url}/api/environments/${env.id}/logs/build`);
    expect(log.status).toBe(200);
    expect(await log.text()).toContain('mvn -B -o -q -DskipTests package');
    expect((await fetch(`${running.url}/api/environments/${env.id}/logs/nonsense`)).status).toBe(400);

    const verify = command('run-maven', 'test-verify', repo, 'maven', { resources: [env] });
    await send(verify);
    const verified = await resultFor(verify.stepId);
    expect(verified).toMatchObject({ outcome: 'SUCCEEDED', details: expect.objectContaining({ environmentId: env.id, smokeRequests: '1' }) });
    expect(verified.usage.metrics['testCpuSeconds']).toBeGreaterThan(0);
    expect(results.filter((r) => r.stepId === deploy.stepId)).toHaveLength(1);

    const state = (await (await fetch(`${running.url}/api/environments/${env.id}`)).json()) as { processGroups: number[]; workspace: string };
    const release = command('run-maven', 'env-release', repo, 'maven', { resources: [env] });
    await send(release);
    const released = await resultFor(release.stepId);
    expect(released).toMatchObject({ outcome: 'SUCCEEDED', released: [expect.objectContaining({ kind: 'test-environment', id: env.id })] });
    expect(released.usage.metrics['environmentSeconds']).toBeGreaterThan(0);
    expect(state.processGroups.flatMap((g) => groupMembers(g))).toEqual([]);
    expect(existsSync(state.workspace)).toBe(false);
  });

  it('fails a failing npm test as TEST_FAILURE naming the test, with the log tail', async () => {
    const repo = createNpmRepo(join(root, 'npm-failing'), 'failing-test');
    const deploy = command('run-npm-fail', 'test-deploy', repo, 'npm');
    await send(deploy);
    const env = (await resultFor(deploy.stepId)).acquired[0]!;
    const verify = command('run-npm-fail', 'test-verify', repo, 'npm', { resources: [env] });
    await send(verify);

    const verified = await resultFor(verify.stepId);

    expect(verified).toMatchObject({ outcome: 'FAILED', errorClass: 'TEST_FAILURE', message: 'tests fail: greets' });
    expect(verified.details).toMatchObject({ phase: 'test', failingTests: 'greets', logs: `/api/environments/${env.id}/logs/test` });
    expect(verified.details['logTail']).toContain('not ok 1 - greets');
  });

  it('fails a deploy of a missing variable as ENV_CONFIG, and an unserved stage as INVALID_INPUT', async () => {
    const repo = createNpmRepo(join(root, 'npm-novar'), 'ok');
    const deploy = command('run-novar', 'test-deploy', repo, 'npm', { parameters: { testEnv: { gitRef: SAMPLE_BRANCH } } });
    const wrong = command('run-novar', 'merge', repo, 'npm');
    await send(deploy);
    await send(wrong);

    expect(await resultFor(wrong.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'INVALID_INPUT' });
    expect(await resultFor(deploy.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'ENV_CONFIG', details: expect.objectContaining({ phase: 'start', signature: 'app.missing-variable' }) });
  });

  it('finishes a step whose worker died mid-way (lease expired) exactly once', async () => {
    const input = command('run-orphan', 'env-release', '/nowhere', 'npm', { resources: [{ kind: 'test-environment', id: 'env-never-made' }] });
    const cmd = codec.decode(codec.encodeEvent('StepCommand', input)).value;
    await running.context.dataSource.query(
      `INSERT INTO test_env_steps (step_id, run_id, stage, command, state, locked_until) VALUES ($1, $2, $3, $4, 'running', now() - interval '1 second')`,
      [input.stepId, input.runId, input.stage, JSON.stringify(cmd)],
    );

    const released = await resultFor(input.stepId, 20_000);

    expect(released).toMatchObject({ outcome: 'SUCCEEDED', released: [{ kind: 'test-environment', id: 'env-never-made', attributes: { found: 'false' } }] });
    const [row] = await running.context.dataSource.query(`SELECT state FROM test_env_steps WHERE step_id = $1`, [input.stepId]);
    expect(row.state).toBe('done');
  });

  it('reaps the environment of a run the orchestrator reports as ended', async () => {
    const repo = createNpmRepo(join(root, 'npm-ended'), 'ok');
    const deploy = command('run-ended', 'test-deploy', repo, 'npm');
    await send(deploy);
    const env = (await resultFor(deploy.stepId)).acquired[0]!;
    const ended: RunEventInput = { eventId: 'run-ended-evt', occurredAt: Date.now(), scope: 'RUN', transition: 'ABORTED', taskId: 'task-1', runId: 'run-ended' };
    await producer.send({ topic: topics.runs, messages: [{ key: 'run-ended', value: codec.encodeEvent('RunEvent', ended), headers: { 'message-id': ended.eventId } }] });

    const state = await waitFor(
      async () => {
        const body = (await (await fetch(`${running.url}/api/environments/${env.id}`)).json()) as { state: string };
        return body.state === 'released' ? body : null;
      },
      { timeoutMs: 20_000, description: 'environment released by the reaper' },
    );
    expect(state.state).toBe('released');
  });
});
