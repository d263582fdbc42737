import { randomUUID } from 'node:crypto';
import { AvroCodec, EVENT_TYPES, STEP_SERVICES, type Notification, type RunEvent, type StepCommand, type StepResultInput } from '@shipshape/contracts';
import { HEADERS } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, type TestDatabase } from '@shipshape/testkit';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { TASK_MANAGER_SERVICE } from '../src/service';

/** Unique topics for one test file: commands per service, results, run events, notifications. */
export interface TestTopics {
  readonly commandPrefix: string;
  readonly commands: readonly string[];
  readonly results: string;
  readonly runEvents: string;
  readonly notifications: string;
  /** ApplicationCatalogEntry events of the catalog. */
  readonly applications: string;
}

/** `brokers`: another broker than the shared one (e.g. a private broker the test restarts). */
export async function createTestTopics(name: string, partitions = 3, brokers?: string): Promise<TestTopics> {
  const kafkaBrokers = brokers ?? (await getTestInfra()).kafkaBrokers;
  const commandPrefix = `${uniqueTopic(`${name}.cmd`)}.`;
  const topics: TestTopics = {
    commandPrefix,
    commands: STEP_SERVICES.map((s) => `${commandPrefix}${s}`),
    results: uniqueTopic(`${name}.results`),
    runEvents: uniqueTopic(`${name}.events`),
    notifications: uniqueTopic(`${name}.notices`),
    applications: uniqueTopic(`${name}.applications`),
  };
  await createTopics(kafkaBrokers, [...topics.commands, topics.results, topics.runEvents, topics.notifications, topics.applications].map((t) => ({ name: t, partitions })));
  return topics;
}

export async function deleteTestTopics(topics: TestTopics): Promise<void> {
  const { kafkaBrokers } = await getTestInfra();
  await deleteTopics(kafkaBrokers, [...topics.commands, topics.results, topics.runEvents, topics.notifications, topics.applications]).catch(() => undefined);
}

export async function bootTaskManager(db: TestDatabase, topics: TestTopics, env: Record<string, string> = {}): Promise<RunningServiceApp> {
  const infra = await getTestInfra();
  return startServiceApp({
    ...TASK_MANAGER_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: db.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      STEP_COMMANDS_TOPIC_PREFIX: topics.commandPrefix,
      STEP_RESULTS_TOPIC: topics.results,
      RUN_EVENTS_TOPIC: topics.runEvents,
      NOTIFICATIONS_TOPIC: topics.notifications,
      APPLICATIONS_TOPIC: topics.applications,
      ORCHESTRATOR_POLL_MS: '50',
      ...env,
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [topics.results], groupId: `tm-${db.name}`, consumer: { sessionTimeoutMs: 10_000 } },
  });
}

export { createTestDatabase };

/** What the peer answers to a command: results to publish (in order), or nothing. */
export type PeerBehaviour = (command: StepCommand) => StepResultInput[] | Promise<StepResultInput[]>;

export function succeeded(command: StepCommand, extra: Partial<StepResultInput> = {}): StepResultInput {
  return {
    eventId: randomUUID(),
    stepId: command.stepId,
    runId: command.runId,
    taskId: command.taskId,
    stage: command.stage,
    attempt: command.attempt,
    service: 'test-peer',
    outcome: 'SUCCEEDED',
    occurredAt: Date.now(),
    ...extra,
  };
}

export function failed(command: StepCommand, errorClass: NonNullable<StepResultInput['errorClass']>, extra: Partial<StepResultInput> = {}): StepResultInput {
  return succeeded(command, { outcome: 'FAILED', errorClass, message: `peer says ${errorClass}`, ...extra });
}

/** Resources the real services would report, keyed so tests can follow the ledger. */
export function acquiredBy(command: StepCommand): StepResultInput['acquired'] {
  switch (command.stage) {
    case 'change':
      return [{ kind: 'branch', id: `${command.application.name}:${command.parameters.change?.branchName ?? 'b'}` }];
    case 'test-deploy':
      return [{ kind: 'test-environment', id: `env-${command.runId}` }];
    case 'review':
      return [{ kind: 'merge-request', id: `mr-${command.runId}` }];
    default:
      return [];
  }
}

/** The default behaviour: every step succeeds at once, acquiring what the real service would. */
export const ALWAYS_SUCCEED = (c: StepCommand): StepResultInput[] => [succeeded(c, { acquired: acquiredBy(c), released: c.stage.endsWith('-release') ? c.resources : [] })];

/**
 * A test peer standing in for the step services: consumes the command topics over real Kafka and
 * answers each command on the results topic, as the services will. Records every command it saw.
 */
export class TestPeer {
  readonly commands: StepCommand[] = [];
  readonly runEvents: RunEvent[] = [];
  readonly notifications: Notification[] = [];
  behaviour: PeerBehaviour = ALWAYS_SUCCEED;
  private readonly codec = AvroCodec.fromContracts();
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;

  /** `brokers`: another broker than the shared one (e.g. a private broker the test restarts). */
  constructor(
    private readonly topics: TestTopics,
    private readonly options: { readonly brokers?: string } = {},
  ) {}

  async start(): Promise<void> {
    const kafkaBrokers = this.options.brokers ?? (await getTestInfra()).kafkaBrokers;
    const kafka = new Kafka({ clientId: 'tm-test-peer', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumer = kafka.consumer({ groupId: uniqueTopic('tm-peer'), sessionTimeout: 10_000, heartbeatInterval: 1000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topics.commands, this.topics.runEvents, this.topics.notifications], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const out: Array<{ key: string; value: Buffer; headers: Record<string, string> }> = [];
        for (const m of batch.messages) {
          if (!m.value) continue;
          const decoded = this.codec.decode(m.value);
          if (decoded.eventType === 'RunEvent') this.runEvents.push(decoded.value);
          else if (decoded.eventType === 'Notification') this.notifications.push(decoded.value);
          else if (decoded.eventType === 'StepCommand') {
            this.commands.push(decoded.value);
            for (const r of await this.behaviour(decoded.value)) {
              out.push({ key: r.runId, value: this.codec.encodeEvent(EVENT_TYPES.stepResult, r), headers: { [HEADERS.messageId]: r.eventId } });
            }
          }
        }
        if (out.length > 0) await this.producer!.send({ topic: this.topics.results, messages: out });
      },
    });
  }

  /** Publishes results by hand (duplicates, late results). */
  async send(results: readonly StepResultInput[]): Promise<void> {
    await this.producer!.send({
      topic: this.topics.results,
      messages: results.map((r) => ({ key: r.runId, value: this.codec.encodeEvent(EVENT_TYPES.stepResult, r), headers: { [HEADERS.messageId]: r.eventId } })),
    });
  }

  stepIds(): string[] {
    return this.commands.map((c) => c.stepId);
  }

  duplicates(): string[] {
    const seen = new Set<string>();
    return this.stepIds().filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.producer?.disconnect();
  }
}

export async function sql<T>(db: TestDatabase, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function api<T = unknown>(base: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** A small fleet over `teams` teams. */
export function fleet(n: number, teams = 3): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    name: `app-${String(i).padStart(4, '0')}`,
    team: `team-${i % teams}`,
    service: `svc-${i % 5}`,
    repositoryUrl: `/repos/app-${i}.git`,
    buildTool: 'maven',
    commands: { build: 'mvn -q package', test: 'mvn -q test' },
    healthPath: '/health',
  }));
}

export const COMPONENT_TASK = {
  kind: 'component',
  component: { ecosystem: 'maven', coordinates: 'com.example:rpc-client' },
  fromRange: '>=1.0 <2.0',
  toVersion: '2.0.0',
  rules: [{ recipe: 'shipshape.maven.UpgradeDependencyVersion', options: { groupId: 'com.example' } }],
  approval: 'automatic',
} as const;
