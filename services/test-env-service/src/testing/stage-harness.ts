/**
 * test-env-service booted in-process on its own database and topics, with a producer of step commands
 * and a collector of step results: the harness of the stage integration tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec, EVENT_TYPES, type RunEventInput, type StepCommandInput, type StepResult } from '@shipshape/contracts';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { Kafka, type Consumer, type Producer } from 'kafkajs';
import { EnvironmentManager } from '../environments/environment.manager';
import { TEST_ENV_SERVICE_SERVICE } from '../service';
import { SAMPLE_BRANCH, warmLocalMavenRepository } from './sample-apps';

export interface StageHarness {
  readonly running: RunningServiceApp;
  readonly root: string;
  readonly results: StepResult[];
  send(cmd: StepCommandInput): Promise<void>;
  sendRunEvent(event: RunEventInput): Promise<void>;
  /** The step's final result (SUCCEEDED or FAILED; PROGRESS skipped). */
  resultFor(stepId: string, timeoutMs?: number): Promise<StepResult>;
  close(): Promise<void>;
}

export const codec = AvroCodec.fromContracts();

export async function startStageHarness(env: Record<string, string>): Promise<StageHarness> {
  const infra = await getTestInfra();
  warmLocalMavenRepository(); // the service builds Maven samples with -o
  const root = mkdtempSync(join(tmpdir(), 'shipshape-stages-'));
  const db: TestDatabase = await createTestDatabase('test_env_stages', { create: false });
  const topics = { commands: uniqueTopic('te-cmd'), runs: uniqueTopic('te-run'), results: uniqueTopic('te-res') };
  await createTopics(infra.kafkaBrokers, Object.values(topics));
  const running = await startServiceApp({
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
      ...env,
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [topics.commands, topics.runs], groupId: uniqueTopic('te-group') },
  });
  const kafka = new Kafka({ clientId: 'te-stages-test', brokers: infra.kafkaBrokers.split(','), logLevel: 0 });
  const producer: Producer = kafka.producer();
  await producer.connect();
  const consumer: Consumer = kafka.consumer({ groupId: uniqueTopic('te-results') });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.results, fromBeginning: true });
  const results: StepResult[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      const decoded = codec.decode(message.value as Buffer);
      if (decoded.eventType === 'StepResult') results.push(decoded.value);
    },
  });

  return {
    running,
    root,
    results,
    async send(cmd) {
      await producer.send({
        topic: topics.commands,
        messages: [{ key: cmd.runId, value: codec.encodeEvent('StepCommand', cmd), headers: { 'message-id': cmd.stepId, 'event-type': EVENT_TYPES.stepCommand } }],
      });
    },
    async sendRunEvent(event) {
      await producer.send({ topic: topics.runs, messages: [{ key: event.runId ?? null, value: codec.encodeEvent('RunEvent', event), headers: { 'message-id': event.eventId } }] });
    },
    resultFor(stepId, timeoutMs = 90_000) {
      return waitFor(() => results.find((r) => r.stepId === stepId && r.outcome !== 'PROGRESS'), { timeoutMs, description: `result of ${stepId}` });
    },
    async close() {
      // Nothing may leak: release whatever environment a test left (e.g. after a failed verify).
      const manager = running.app.get(EnvironmentManager);
      const open: { id: string }[] = await running.context.dataSource.query(`SELECT id FROM environments WHERE state NOT IN ('released', 'failed')`);
      for (const { id } of open) await manager.release(id);
      await consumer.disconnect();
      await producer.disconnect();
      await running.app.close();
      await deleteTopics(infra.kafkaBrokers, Object.values(topics));
      await db.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A step command for a sample app (GREETING set and smoke path / unless overridden). */
export function sampleCommand(runId: string, stage: string, repositoryUrl: string, buildTool: 'maven' | 'npm', extra: Partial<StepCommandInput> = {}): StepCommandInput {
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
