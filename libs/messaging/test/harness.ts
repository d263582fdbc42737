import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { AvroCodec, EVENT_TYPES } from '@shipshape/contracts';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic } from '@shipshape/testkit';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createKafkaClient, MESSAGING_MIGRATIONS, type EventHandler, type OutboxMessage } from '../src';

export const codec = AvroCodec.fromContracts();
export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** A step-result event whose `attempt` carries a per-key sequence number the tests check order with. */
export function stepResult(runId: string, seq: number) {
  return {
    eventId: `${runId}:${seq}`,
    stepId: `${runId}:change:${seq}`,
    runId,
    taskId: 'task-1',
    stage: 'change',
    attempt: seq,
    service: 'change-service',
    outcome: 'SUCCEEDED',
    occurredAt: Date.now(),
    errorClass: null,
    message: null,
    details: { note: 'messaging test' },
    progress: null,
    acquired: [{ kind: 'branch', id: `shipshape/task-1/${runId}`, attributes: {} }],
    released: [],
    usage: { durationMs: 12, cpuMillis: null, peakMemoryBytes: null, metrics: {} },
  };
}

export function outboxMessage(topic: string, runId: string, seq: number): OutboxMessage {
  return { topic, key: runId, eventType: EVENT_TYPES.stepResult, value: stepResult(runId, seq) };
}

export interface MessagingFixture {
  readonly dataSource: DataSource;
  readonly databaseUrl: string;
  readonly brokers: string;
  readonly kafka: Kafka;
  readonly topic: string;
  readonly dlq: string;
  cleanup(): Promise<void>;
}

/** A fresh database with the messaging tables and an `effects` table, and a fresh topic with its DLQ. */
export async function messagingFixture(prefix: string, partitions = 3): Promise<MessagingFixture> {
  const infra = await getTestInfra();
  const db = await createTestDatabase(prefix);
  const dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MESSAGING_MIGRATIONS, synchronize: false, extra: { max: 8 } });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query(
    `CREATE TABLE effects (id bigserial PRIMARY KEY, message_id text NOT NULL, run_key text, seq int, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const topic = uniqueTopic(prefix);
  const dlq = `${topic}.dlq`;
  await createTopics(infra.kafkaBrokers, [
    { name: topic, partitions },
    { name: dlq, partitions: 1 },
  ]);
  const kafka = createKafkaClient({ clientId: prefix, brokers: infra.kafkaBrokers });
  return {
    dataSource,
    databaseUrl: db.url,
    brokers: infra.kafkaBrokers,
    kafka,
    topic,
    dlq,
    async cleanup() {
      await dataSource.destroy();
      await db.drop();
      await deleteTopics(infra.kafkaBrokers, [topic, dlq]);
    },
  };
}

/** The handler every test uses: one row in `effects` per applied event, in the handler's transaction. */
export const recordEffect: EventHandler = async (event, ctx) => {
  const value = event.value as { runId: string; attempt: number };
  await ctx.tx.query('INSERT INTO effects (message_id, run_key, seq) VALUES ($1, $2, $3)', [event.messageId, value.runId, value.attempt]);
};

export async function effectCounts(dataSource: DataSource): Promise<{ total: number; distinct: number }> {
  const [row] = await dataSource.query('SELECT count(*)::int AS total, count(DISTINCT message_id)::int AS distinct FROM effects');
  return { total: row.total, distinct: row.distinct };
}

/** Runs a TypeScript script from this folder in a real child process (tsx, workspace paths). */
export function spawnScript(script: string, env: Record<string, string>): ChildProcess {
  const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
  return spawn(tsx, ['--tsconfig', path.join(REPO_ROOT, 'tsconfig.spec.json'), path.join(__dirname, script)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** True when the process was SIGKILLed (tsx runs the script in a child and reports that as exit 137). */
export function diedOfSigkill(result: { code: number | null; signal: NodeJS.Signals | null }): boolean {
  return result.signal === 'SIGKILL' || result.code === 128 + 9;
}

/** How the child ended, with its stderr (so a failing test shows why the child died). */
export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}
