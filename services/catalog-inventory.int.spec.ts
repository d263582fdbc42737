/**
 * task-manager's catalog → detection-service's whole-catalog rescans, on real Kafka, Postgres and git: both
 * services boot in-process from their definitions on topics of this file's own. An application imported into
 * task-manager is scanned by detection's rescan timer without any run touching it; its default branch comes from
 * the catalog; deleting it removes its inventory and publishes the removal on the inventory topic.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec, EVENT_TYPES, type ApplicationCatalogEntry, type InventoryChange } from '@shipshape/contracts';
import { HEADERS } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTION_SERVICE_SERVICE } from './detection-service/src/service';
import { bareRepoFrom, type BareRepo } from './detection-service/src/testing/git-fixture';
import { api, bootTaskManager, createTestDatabase, createTestTopics, deleteTestTopics, type TestTopics } from './task-manager/test/task-manager.harness';

const fixtures = join(__dirname, '..', 'libs/manifests/src/__fixtures__');
const codec = AvroCodec.fromContracts();
const inventoryTopic = uniqueTopic('catalog-inventory');

let topics: TestTopics;
let tmDb: TestDatabase;
let detectionDb: TestDatabase;
let taskManager: RunningServiceApp;
let detection: RunningServiceApp;
let consumer: Consumer;
let producer: Producer;
let workDir: string;
let billing: BareRepo;
let checkout: BareRepo;
const changes: { key: string; change: InventoryChange | null }[] = [];

interface ScannedApplication {
  application: string;
  repoUrl: string;
  ref: string;
  commit: string;
}
const scanned = async (): Promise<ScannedApplication[]> => (await api<{ applications: ScannedApplication[] }>(detection.url, 'GET', '/api/inventory/applications')).body.applications;

beforeAll(async () => {
  const infra = await getTestInfra();
  topics = await createTestTopics('catalog-inventory', 1);
  await createTopics(infra.kafkaBrokers, [{ name: inventoryTopic, cleanupPolicy: 'compact' }]);
  tmDb = await createTestDatabase('catalog_inv_tm', { create: false });
  detectionDb = await createTestDatabase('catalog_inv_det', { create: false });
  workDir = mkdtempSync(join(tmpdir(), 'catalog-inventory-'));
  billing = bareRepoFrom(join(fixtures, 'maven-multimodule'));
  checkout = bareRepoFrom(join(fixtures, 'npm-app'));
  taskManager = await bootTaskManager(tmDb, topics);
  detection = await startServiceApp({
    ...DETECTION_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: detectionDb.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      DETECTION_WORK_DIR: workDir,
      DETECTION_INVENTORY_TOPIC: inventoryTopic,
      DETECTION_RESCAN_INTERVAL_MS: '1000',
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [topics.applications], groupId: `test-${topics.applications}` },
  });
  const kafka = new Kafka({ clientId: 'catalog-inventory-test', brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  consumer = kafka.consumer({ groupId: `test-${inventoryTopic}` });
  await consumer.connect();
  await consumer.subscribe({ topic: inventoryTopic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value === null) return void changes.push({ key: message.key!.toString(), change: null }); // tombstone
      const decoded = codec.decode(message.value);
      if (decoded.eventType === 'InventoryChange') changes.push({ key: message.key!.toString(), change: decoded.value });
    },
  });
  producer = kafka.producer();
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await detection?.app.close();
  await taskManager?.app.close();
  await detectionDb?.drop();
  await tmDb?.drop();
  const infra = await getTestInfra();
  if (topics) await deleteTestTopics(topics);
  await deleteTopics(infra.kafkaBrokers, [inventoryTopic]).catch(() => undefined);
  billing?.cleanup();
  checkout?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('whole-catalog rescans from task-manager\'s catalog', () => {
  it('scans applications imported into task-manager that no run has touched, on the rescan timer', async () => {
    const imported = await api(taskManager.url, 'POST', '/api/applications/import', `applications:
  - name: billing
    team: payments
    service: billing-svc
    repositoryUrl: ${billing.url}
  - name: checkout-web
    team: shop
    service: checkout
    repositoryUrl: ${checkout.url}
    buildTool: npm
`, 'application/yaml');
    expect(imported.status).toBe(200);

    await waitFor(async () => ((await scanned()).length === 2 ? true : undefined), { timeoutMs: 30_000, description: 'both catalog applications scanned' });
    expect((await scanned()).map((a) => [a.application, a.repoUrl, a.ref, a.commit])).toEqual([
      ['billing', billing.url, 'main', billing.head()],
      ['checkout-web', checkout.url, 'main', checkout.head()],
    ]);
    const usage = await api<{ applications: { application: string; sourceVersions: string[] }[] }>(detection.url, 'GET', '/api/inventory/usage?ecosystem=maven&name=com.acme:rpc-client');
    expect(usage.body.applications.map((a) => [a.application, a.sourceVersions])).toEqual([['billing', ['1.3.0', '1.4.2']]]);
    expect((await api<unknown[]>(taskManager.url, 'GET', '/api/tasks')).body).toEqual([]);
  });

  it('rescans at the default branch the catalog names, picking up its new commits', async () => {
    execFileSync('git', ['--git-dir', billing.url.slice('file://'.length), 'branch', 'release', 'main']);
    const releaseHead = billing.head();
    const mainHead = billing.commit({ 'README.md': 'main moved on\n' }, 'main moves on');
    expect((await api(taskManager.url, 'PATCH', '/api/applications/billing', { defaultBranch: 'release' })).status).toBe(200);

    const billingScan = async () => (await scanned()).find((a) => a.application === 'billing');
    await waitFor(async () => ((await billingScan())?.ref === 'release' ? true : undefined), { timeoutMs: 30_000, description: 'billing rescanned at release' });
    expect(await billingScan()).toMatchObject({ ref: 'release', commit: releaseHead });
    expect(releaseHead).not.toBe(mainHead);
  });

  it('removes a deleted application\'s inventory, publishes REMOVED for each of its components, and no longer scans it', async () => {
    await waitFor(async () => (changes.some((c) => c.change?.application === 'checkout-web' && c.change.kind === 'OBSERVED') ? true : undefined), { timeoutMs: 30_000, description: 'checkout-web inventory published' });
    const observedKeys = [...new Set(changes.filter((c) => c.change?.application === 'checkout-web').map((c) => c.key))];
    expect(observedKeys.length).toBeGreaterThan(5);

    expect((await api(taskManager.url, 'DELETE', '/api/applications/checkout-web')).status).toBe(204);

    await waitFor(async () => ((await scanned()).some((a) => a.application === 'checkout-web') ? undefined : true), { timeoutMs: 30_000, description: 'checkout-web gone from the inventory' });
    expect((await api<{ components: unknown[] }>(detection.url, 'GET', '/api/inventory/applications/checkout-web/components')).body.components).toEqual([]);
    // Per key: REMOVED, then a tombstone (null value) so compaction drops the key.
    const endOf = (key: string) => changes.filter((c) => c.key === key).slice(-2).map((c) => c.change?.kind ?? 'tombstone');
    await waitFor(async () => (observedKeys.every((k) => endOf(k).join() === 'REMOVED,tombstone') ? true : undefined), { timeoutMs: 30_000, description: 'REMOVED + tombstone for every checkout-web component' });

    const onDemand = await api<{ message: string }>(detection.url, 'POST', '/api/inventory/applications/checkout-web/scan', { repoUrl: checkout.url });
    expect(onDemand).toMatchObject({ status: 409, body: { message: 'application checkout-web was deleted from the catalog' } });
    // A rescan already running when the deletion arrived may still list it; the next ones do not.
    await waitFor(async () => {
      const summary = (await api<{ applications: number; catalogApplications: number }>(detection.url, 'POST', '/api/inventory/rescan')).body;
      return summary.catalogApplications === 1 && summary.applications === 1 ? true : undefined;
    }, { timeoutMs: 30_000, description: 'rescans cover billing only' });
    expect((await scanned()).map((a) => a.application)).toEqual(['billing']);
  });

  it('ignores a catalog entry older than the one it holds (published as task-manager does)', async () => {
    const stale: ApplicationCatalogEntry = {
      eventId: `stale-${Date.now()}`, occurredAt: Date.now() - 3_600_000, name: 'billing', team: 'payments', service: 'billing-svc',
      repositoryUrl: billing.url, defaultBranch: 'main', buildTool: 'maven', labels: {}, deleted: true,
    };
    await producer.send({ topic: topics.applications, messages: [{ key: 'billing', value: codec.encode('ApplicationCatalogEntry', stale), headers: { [HEADERS.messageId]: stale.eventId, [HEADERS.eventType]: EVENT_TYPES.applicationCatalogEntry } }] });
    const fresh: ApplicationCatalogEntry = { ...stale, eventId: `fresh-${Date.now()}`, occurredAt: Date.now(), name: 'newcomer', repositoryUrl: checkout.url, buildTool: 'npm', deleted: false };
    await producer.send({ topic: topics.applications, messages: [{ key: 'newcomer', value: codec.encode('ApplicationCatalogEntry', fresh), headers: { [HEADERS.messageId]: fresh.eventId, [HEADERS.eventType]: EVENT_TYPES.applicationCatalogEntry } }] });

    // Both entries are on one partition, in order: once the newcomer is scanned, the stale deletion was consumed.
    await waitFor(async () => ((await scanned()).some((a) => a.application === 'newcomer') ? true : undefined), { timeoutMs: 30_000, description: 'newcomer scanned' });
    expect((await scanned()).map((a) => [a.application, a.ref])).toEqual([
      ['billing', 'release'],
      ['newcomer', 'main'],
    ]);
  });
});
