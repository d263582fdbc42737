import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec, EVENT_TYPES, type ApplicationCatalogEntry } from '@shipshape/contracts';
import { HEADERS } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTION_SERVICE_SERVICE } from '../service';
import { bareRepoFrom, type BareRepo } from '../testing/git-fixture';

const fixtures = join(__dirname, '..', '..', '..', '..', 'libs/manifests/src/__fixtures__');
const codec = AvroCodec.fromContracts();
const catalogTopic = uniqueTopic('detection-catalog');
const inventoryTopic = uniqueTopic('detection-catalog-inventory');

let db: TestDatabase;
let app: RunningServiceApp;
let producer: Producer;
let workDir: string;
let repo: BareRepo;

interface CatalogView {
  application: string;
  deleted: boolean;
  scannedRef: string | null;
  scannedCommit: string | null;
  scanError: { code: string; message: string; at: string } | null;
}
const catalog = async (): Promise<CatalogView[]> => ((await (await fetch(`${app.url}/api/inventory/catalog`)).json()) as { applications: CatalogView[] }).applications;
const entry = async (name: string) => (await catalog()).find((a) => a.application === name);

/** Publishes an ApplicationCatalogEntry as task-manager's outbox does (key: name; message-id and event-type headers). */
async function publish(e: Partial<ApplicationCatalogEntry> & Pick<ApplicationCatalogEntry, 'name' | 'repositoryUrl'>): Promise<void> {
  const value: ApplicationCatalogEntry = { eventId: `evt-${Math.random()}`, occurredAt: Date.now(), team: 'payments', service: 'svc', defaultBranch: 'main', buildTool: 'maven', labels: {}, deleted: false, ...e };
  await producer.send({ topic: catalogTopic, messages: [{ key: value.name, value: codec.encode('ApplicationCatalogEntry', value), headers: { [HEADERS.messageId]: value.eventId, [HEADERS.eventType]: EVENT_TYPES.applicationCatalogEntry } }] });
}

beforeAll(async () => {
  const infra = await getTestInfra();
  await createTopics(infra.kafkaBrokers, [{ name: catalogTopic, cleanupPolicy: 'compact' }, { name: inventoryTopic, cleanupPolicy: 'compact' }]);
  db = await createTestDatabase('detection-catalog', { create: false });
  workDir = mkdtempSync(join(tmpdir(), 'detection-catalog-'));
  repo = bareRepoFrom(join(fixtures, 'npm-app'));
  app = await startServiceApp({
    ...DETECTION_SERVICE_SERVICE,
    // the whole-catalog rescan is off: only the catch-up scans here
    env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'error', DETECTION_WORK_DIR: workDir, DETECTION_INVENTORY_TOPIC: inventoryTopic, DETECTION_RESCAN_INTERVAL_MS: '0', DETECTION_CATALOG_SCAN_POLL_MS: '200' },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [catalogTopic], groupId: `test-${catalogTopic}` },
  });
  producer = new Kafka({ clientId: 'detection-catalog-test', brokers: infra.kafkaBrokers.split(','), logLevel: 0 }).producer();
  await producer.connect();
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await app?.app.close();
  await db?.drop();
  await deleteTopics((await getTestInfra()).kafkaBrokers, [catalogTopic, inventoryTopic]).catch(() => undefined);
  repo?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('catch-up scans of new catalog applications (whole-catalog rescan off)', () => {
  it('scans a new catalog application within the poll, and records a repository it cannot read without retrying it in a loop', async () => {
    const missing = `file://${join(workDir, 'no-such-repo.git')}`;
    await publish({ name: 'checkout-web', repositoryUrl: repo.url, buildTool: 'npm' });
    await publish({ name: 'ghost', repositoryUrl: missing });

    await waitFor(async () => ((await entry('checkout-web'))?.scannedCommit === repo.head() ? true : undefined), { timeoutMs: 30_000, description: 'checkout-web scanned' });
    expect(await entry('checkout-web')).toMatchObject({ scannedRef: 'main', scanError: null });
    const ghost = await waitFor(async () => ((await entry('ghost'))?.scanError ? (await entry('ghost'))! : undefined), { timeoutMs: 30_000, description: 'ghost failed' });
    expect(ghost).toMatchObject({ scannedRef: null, scanError: { code: 'DETECTION.GIT_FAILED' } });

    await new Promise((r) => setTimeout(r, 1_000)); // five polls
    expect((await entry('ghost'))!.scanError!.at).toBe(ghost.scanError!.at);
  });

  it('a catalog change clears the error and the application is scanned at its new repository', async () => {
    await publish({ name: 'ghost', repositoryUrl: repo.url });
    await waitFor(async () => ((await entry('ghost'))?.scannedCommit === repo.head() ? true : undefined), { timeoutMs: 30_000, description: 'ghost scanned at its new repository' });
    expect(await entry('ghost')).toMatchObject({ scannedRef: 'main', scanError: null });
  });

  it('does not scan a deleted application', async () => {
    await publish({ name: 'retired', repositoryUrl: repo.url, deleted: true });
    await publish({ name: 'marker', repositoryUrl: repo.url });
    await waitFor(async () => ((await entry('marker'))?.scannedCommit ? true : undefined), { timeoutMs: 30_000, description: 'marker scanned' });
    expect(await entry('retired')).toMatchObject({ deleted: true, scannedRef: null, scannedCommit: null, scanError: null });
  });
});
