import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec, EVENT_SAMPLES, EVENT_TYPES, TOPICS, type RuntimeInstanceEvent, type StepCommand, type StepResult } from '@shipshape/contracts';
import { HEADERS } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { Kafka, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTION_SERVICE_SERVICE } from '../service';
import { buildAgentJar, buildFatJar } from '../testing/fat-jar.fixture';
import { bareRepoFrom, type BareRepo } from '../testing/git-fixture';
import { startInstance, type RunningInstance } from '../testing/instance.fixture';

const codec = AvroCodec.fromContracts();
const runId = `run-detect-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const commandTopic = uniqueTopic('detection-steps');
const instancesTopic = uniqueTopic('detection-instances');
const inventoryTopic = uniqueTopic('detection-inventory');

const pom = (rpc: string, workerPin?: string) => ({
  'pom.xml': `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme.orders</groupId>\n  <artifactId>orders-parent</artifactId>\n  <version>2.7.0</version>\n  <packaging>pom</packaging>\n  <modules><module>api</module><module>worker</module></modules>\n  <properties>\n    <rpc-client.version>${rpc}</rpc-client.version>\n  </properties>\n  <dependencyManagement>\n    <dependencies>\n      <dependency>\n        <groupId>com.acme</groupId>\n        <artifactId>rpc-client</artifactId>\n        <version>\${rpc-client.version}</version>\n      </dependency>\n    </dependencies>\n  </dependencyManagement>\n</project>\n`,
  'api/pom.xml': `<project>\n  <parent><groupId>com.acme.orders</groupId><artifactId>orders-parent</artifactId><version>2.7.0</version></parent>\n  <artifactId>orders-api</artifactId>\n  <dependencies>\n    <dependency><groupId>com.acme</groupId><artifactId>rpc-client</artifactId></dependency>\n  </dependencies>\n</project>\n`,
  'worker/pom.xml': `<project>\n  <parent><groupId>com.acme.orders</groupId><artifactId>orders-parent</artifactId><version>2.7.0</version></parent>\n  <artifactId>orders-worker</artifactId>\n  <dependencies>\n    <dependency>\n      <groupId>com.acme</groupId>\n      <artifactId>rpc-client</artifactId>\n${workerPin ? `      <version>${workerPin}</version>\n` : ''}    </dependency>\n  </dependencies>\n</project>\n`,
});

let root: string;
let db: TestDatabase;
let app: RunningServiceApp;
let kafka: Kafka;
let producer: Producer;
let consumer: Consumer;
let repo: BareRepo;
const instances: RunningInstance[] = [];
const results: StepResult[] = [];
let newJar: string;
let oldJar: string;

function command(stepId: string): StepCommand {
  const base = EVENT_SAMPLES.StepCommand;
  return {
    ...base, eventId: `evt-${stepId}`, stepId, runId, stage: 'detect', issuedAt: Date.now(), deadline: Date.now() + 600_000,
    application: { ...base.application, name: 'orders', repositoryUrl: repo.url, defaultBranch: 'main' },
    componentChange: { kind: 'COMPONENT', ecosystem: 'maven', coordinates: 'com.acme:rpc-client', fromRange: '<2.0.0', toVersion: '2.0.0' },
    rules: [],
    parameters: { ...base.parameters, change: null, detect: { checkSource: true, checkRuntime: true, gitRef: null, expectedCommit: null } },
  };
}
const send = (topic: string, key: string, eventType: string, messageId: string, value: Buffer) =>
  producer.send({ topic, messages: [{ key, value, headers: { [HEADERS.messageId]: messageId, [HEADERS.eventType]: eventType } }] });
const sendCommand = (cmd: StepCommand, messageId = cmd.stepId) => send(commandTopic, cmd.runId, EVENT_TYPES.stepCommand, messageId, codec.encode('StepCommand', cmd));
async function instanceStarted(instance: string, address: string, components: Record<string, string> = {}) {
  const e: RuntimeInstanceEvent = { eventId: `evt-${instance}-${Date.now()}`, occurredAt: Date.now(), application: 'orders', instance, address, version: '2.7.0', commit: null, state: 'STARTED', previousVersion: null, environment: 'production', runtime: 'local', components };
  await send(instancesTopic, `orders/${instance}`, EVENT_TYPES.runtimeInstanceEvent, e.eventId, codec.encode('RuntimeInstanceEvent', e));
}
const resultsOf = (stepId: string, n = 1) => waitFor(() => { const r = results.filter((x) => x.stepId === stepId && x.outcome !== 'PROGRESS'); return r.length >= n ? r : undefined; }, { timeoutMs: 60_000, description: `StepResult of ${stepId}` });

beforeAll(async () => {
  const infra = await getTestInfra();
  root = mkdtempSync(join(tmpdir(), 'detection-detect-'));
  newJar = buildFatJar(join(root, 'jars'), '2.0.0');
  oldJar = buildFatJar(join(root, 'jars'), '1.4.0');
  repo = bareRepoFrom(null, pom('2.0.0'));
  await createTopics(infra.kafkaBrokers, [commandTopic, instancesTopic, { name: inventoryTopic, cleanupPolicy: 'compact' }]);
  db = await createTestDatabase('detection-detect', { create: false });
  app = await startServiceApp({
    ...DETECTION_SERVICE_SERVICE,
    env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'warn', DETECTION_WORK_DIR: join(root, 'work'), DETECTION_INVENTORY_TOPIC: inventoryTopic, DETECTION_WORKER_POLL_MS: '100' },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [commandTopic, instancesTopic], groupId: `detection-detect-${runId}` },
  });
  kafka = new Kafka({ clientId: 'detection-detect-test', brokers: infra.kafkaBrokers.split(','), logLevel: 0 });
  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: `detection-results-${runId}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.stepResults, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => { if (message.key?.toString() === runId && message.value) results.push(codec.decodeAs(message.value, 'StepResult').value); } });
  // two production instances: real processes serving their components endpoint and pointing at their deployed fat jar
  for (const jar of [newJar, newJar]) instances.push(await startInstance({ components: { 'com.acme.orders:orders-api': '2.7.0' }, artifact: jar }));
  await instanceStarted('orders-1', instances[0]!.address);
  await instanceStarted('orders-2', instances[1]!.address);
  const ds = app.app.get(DataSource);
  await waitFor(async () => (((await ds.query('SELECT count(*)::int AS n FROM runtime_instance')) as { n: number }[])[0]!.n === 2 ? true : undefined), { timeoutMs: 30_000, description: 'instances known' });
}, 180_000);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await app?.app.close();
  await Promise.all(instances.map((i) => i.stop()));
  await db?.drop();
  await deleteTopics((await getTestInfra()).kafkaBrokers, [commandTopic, instancesTopic, inventoryTopic]).catch(() => undefined);
  repo?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('detect stage over Kafka', () => {
  it('SUCCEEDED when the default branch resolves the target and every production instance loads it; a redelivered command re-publishes the stored result', async () => {
    const cmd = command(`${runId}:detect:1`);
    await sendCommand(cmd);
    const [result] = await resultsOf(cmd.stepId);
    expect(result).toMatchObject({ outcome: 'SUCCEEDED', service: 'detection-service', stage: 'detect', errorClass: null, details: { commit: repo.head(), instances: '2', targetVersion: '2.0.0', mavenMode: 'static' } });
    expect(results.filter((r) => r.stepId === cmd.stepId && r.outcome === 'PROGRESS').map((r) => r.progress?.phase)).toEqual(['scanning source', 'reading instances']);

    // the same step issued again under a new message id (the inbox already dedupes the same id): no second run
    await sendCommand({ ...cmd, eventId: 'evt-again' }, `${cmd.stepId}#again`);
    const again = await resultsOf(cmd.stepId, 2);
    expect(again[1]).toMatchObject({ outcome: 'SUCCEEDED', stepId: cmd.stepId });
    const steps = (await app.app.get(DataSource).query('SELECT attempts FROM detect_step WHERE step_id = $1', [cmd.stepId])) as { attempts: number }[];
    expect(steps).toEqual([{ attempts: 1 }]);
  });

  it('FAILED DETECTION_MISMATCH with evidence: a module still pins 1.4.0, instance 2 still loads the old jar', async () => {
    repo.commit(pom('2.0.0', '1.4.0'), 'worker pins the old client');
    await instances[1]!.stop();
    instances[1] = await startInstance({ components: { 'com.acme.orders:orders-api': '2.7.0' }, artifact: oldJar });
    await instanceStarted('orders-2', instances[1].address);
    const ds = app.app.get(DataSource);
    await waitFor(async () => (((await ds.query(`SELECT address FROM runtime_instance WHERE instance = 'orders-2'`)) as { address: string }[])[0]?.address === instances[1]!.address ? true : undefined), { timeoutMs: 30_000, description: 'orders-2 replaced' });

    const cmd = command(`${runId}:detect:2`);
    await sendCommand(cmd);
    const [result] = await resultsOf(cmd.stepId);
    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'DETECTION_MISMATCH' });
    expect(result!.details['evidence.1']).toBe('source worker/pom.xml:5 resolves com.acme:rpc-client to 1.4.0 (direct, version at worker/pom.xml:8)');
    expect(result!.details['evidence.2']).toBe(`instance orders-2 still loads com.acme:rpc-client 1.4.0 (pom-properties: ${oldJar}!/BOOT-INF/lib/rpc-client-1.4.0.jar!/META-INF/maven/com.acme/rpc-client/pom.properties)`);
    expect(result!.details['evidence.3']).toBeUndefined();
    expect(JSON.parse(result!.details['evidence']!)).toHaveLength(2);
  });

  it('an instance that cannot be read is evidence too', async () => {
    await instances[0]!.stop();
    const cmd = command(`${runId}:detect:3`);
    await sendCommand(cmd);
    const [result] = await resultsOf(cmd.stepId);
    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'DETECTION_MISMATCH' });
    expect(Object.values(result!.details).some((v) => v.startsWith('instance orders-1 could not be read'))).toBe(true);
  });

  it('SIDECAR: the agent version release-service started an instance with is checked against the target', async () => {
    instances.push(await startInstance({ components: {} }));
    await instanceStarted('orders-3', instances.at(-1)!.address, { agent: '1.31.0' });
    const ds = app.app.get(DataSource);
    await waitFor(async () => (((await ds.query(`SELECT 1 FROM runtime_instance WHERE instance = 'orders-3'`)) as unknown[]).length ? true : undefined), { timeoutMs: 30_000, description: 'orders-3 known' });
    const base = command(`${runId}:detect:4`);
    const cmd: StepCommand = {
      ...base,
      componentChange: { kind: 'SIDECAR', ecosystem: 'java-agent', coordinates: 'opentelemetry-javaagent', fromRange: '<1.32.0', toVersion: '1.32.0' },
      parameters: { ...base.parameters, detect: { checkSource: false, checkRuntime: true, gitRef: null, expectedCommit: null } },
    };
    await sendCommand(cmd);
    const [result] = await resultsOf(cmd.stepId);
    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'DETECTION_MISMATCH' });
    expect(Object.values(result!.details)).toContain('instance orders-3 still loads opentelemetry-javaagent 1.31.0 (instance-event: RuntimeInstanceEvent of orders-3)');
  });

  it('JDK and JavaAgent read from the deployed artifact itself: class-file release of the jar, version of the -javaagent jar', async () => {
    const jar11 = buildFatJar(join(root, 'jars-11'), '2.0.0', '11');
    const agent = buildAgentJar(join(root, 'jars-11'), { file: 'shipshape-agent-1.2.0', title: 'shipshape-agent', version: '1.2.0' });
    instances.push(await startInstance({ components: {}, artifact: jar11, agents: [agent] }));
    await instanceStarted('orders-4', instances.at(-1)!.address);
    const ds = app.app.get(DataSource);
    await waitFor(async () => (((await ds.query(`SELECT 1 FROM runtime_instance WHERE instance = 'orders-4'`)) as unknown[]).length ? true : undefined), { timeoutMs: 30_000, description: 'orders-4 known' });
    const runtimeOnly = (stepId: string, componentChange: StepCommand['componentChange']): StepCommand => {
      const base = command(stepId);
      return { ...base, componentChange, parameters: { ...base.parameters, detect: { checkSource: false, checkRuntime: true, gitRef: null, expectedCommit: null } } };
    };

    const jdk = runtimeOnly(`${runId}:detect:5`, { kind: 'COMPONENT', ecosystem: 'jdk', coordinates: 'java', fromRange: '<17', toVersion: '17' });
    await sendCommand(jdk);
    const [jdkResult] = await resultsOf(jdk.stepId);
    const jdkEvidence = Object.values(jdkResult!.details);
    expect(jdkEvidence).toContain(`instance orders-4 still loads java 11 (class-file: ${jar11}!/com/acme/orders/App.class)`);
    expect(jdkEvidence.filter((v) => v.startsWith('instance orders-2'))).toEqual([]); // its jar targets 17

    const sidecar = runtimeOnly(`${runId}:detect:6`, { kind: 'SIDECAR', ecosystem: 'java-agent', coordinates: 'shipshape-agent', fromRange: '<1.3.0', toVersion: '1.3.0' });
    await sendCommand(sidecar);
    const [agentResult] = await resultsOf(sidecar.stepId);
    expect(agentResult).toMatchObject({ outcome: 'FAILED', errorClass: 'DETECTION_MISMATCH' });
    expect(Object.values(agentResult!.details)).toContain(`instance orders-4 still loads shipshape-agent 1.2.0 (jar-manifest: ${agent}!/META-INF/MANIFEST.MF)`);
  });

  it('FAILED INVALID_INPUT for an application deleted from the catalog (its inventory is gone; a scan does not bring it back)', async () => {
    const ds = app.app.get(DataSource);
    await ds.query(`INSERT INTO catalog_application (name, team, service, repository_url, default_branch, build_tool, deleted, occurred_at) VALUES ('retired', 'payments', 'svc', $1, 'main', 'maven', true, now())`, [repo.url]);
    const base = command(`${runId}:detect:7`);
    const cmd: StepCommand = { ...base, application: { ...base.application, name: 'retired' } };
    await sendCommand(cmd);
    const [result] = await resultsOf(cmd.stepId);
    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: 'application retired was deleted from the catalog' });
    expect(await ds.query(`SELECT 1 FROM inventory_application WHERE application = 'retired'`)).toEqual([]);
  });
});
