import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec, EVENT_TYPES, type InventoryChange } from '@shipshape/contracts';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, type TestDatabase } from '@shipshape/testkit';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTION_SERVICE_SERVICE } from '../service';
import { bareRepoFrom, type BareRepo } from '../testing/git-fixture';
import { SourceScanService } from './source-scan.service';

const fixtures = join(__dirname, '..', '..', '..', '..', 'libs/manifests/src/__fixtures__');

let db: TestDatabase;
let running: RunningServiceApp;
let repo: BareRepo;
let workDir: string;
const topic = uniqueTopic('detection-inventory');

beforeAll(async () => {
  const infra = await getTestInfra();
  await createTopics(infra.kafkaBrokers, [{ name: topic, cleanupPolicy: 'compact' }]);
  db = await createTestDatabase('detection-scan', { create: false });
  workDir = mkdtempSync(join(tmpdir(), 'detection-work-'));
  repo = bareRepoFrom(join(fixtures, 'maven-multimodule'), { Dockerfile: readFileSync(join(fixtures, 'docker/Dockerfile'), 'utf8') });
  running = await startServiceApp({
    ...DETECTION_SERVICE_SERVICE,
    env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'warn', DETECTION_WORK_DIR: workDir, DETECTION_INVENTORY_TOPIC: topic },
    messaging: undefined, // scans only: never join the catalog topics' consumer groups (other tests' events live there)
    port: 0,
    host: '127.0.0.1',
  });
});

afterAll(async () => {
  await running?.app.close();
  await db?.drop();
  await deleteTopics((await getTestInfra()).kafkaBrokers, [topic]);
  repo?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

/** InventoryChanges in the outbox (tombstones, stored as empty payloads, left out: see tombstones()). */
async function changes(ds: DataSource): Promise<{ key: string; value: InventoryChange }[]> {
  const codec = running.app.get(AvroCodec);
  const rows = (await ds.query(`SELECT message_key, event_type, payload FROM messaging_outbox WHERE topic = $1 AND length(payload) > 0 ORDER BY id`, [topic])) as { message_key: string; event_type: string; payload: Buffer }[];
  return rows.map((r) => ({ key: r.message_key, value: codec.decodeAs(r.payload, EVENT_TYPES.inventoryChange).value }));
}
const tombstones = async (ds: DataSource): Promise<string[]> =>
  ((await ds.query(`SELECT message_key FROM messaging_outbox WHERE topic = $1 AND length(payload) = 0 ORDER BY id`, [topic])) as { message_key: string }[]).map((r) => r.message_key);

describe('source scan of a real repository at a ref', () => {
  it('stores every declaration with where it is declared and publishes the inventory', async () => {
    const scans = running.app.get(SourceScanService);
    const ds = running.app.get(DataSource);
    const first = await scans.scan('orders', repo.url, 'HEAD');
    expect(first.commit).toBe(repo.head());

    const rows = (await ds.query(
      `SELECT name, version, kind, declared_file || ':' || declared_line AS declared, version_file || ':' || version_line AS version_at
         FROM inventory_component WHERE application = 'orders' AND origin = 'SOURCE' AND name = 'com.acme:rpc-client' ORDER BY declared_file`,
    )) as unknown[];
    expect(rows).toEqual([
      { name: 'com.acme:rpc-client', version: '1.4.2', kind: 'dependency-management', declared: 'api/pom.xml:16', version_at: 'pom.xml:25' },
      { name: 'com.acme:rpc-client', version: '1.3.0', kind: 'direct', declared: 'worker/pom.xml:18', version_at: 'worker/pom.xml:21' },
    ]);
    const docker = (await ds.query(`SELECT ecosystem, name, version FROM inventory_component WHERE ecosystem IN ('docker', 'java-agent') ORDER BY id`)) as unknown[];
    expect(docker).toEqual([
      { ecosystem: 'docker', name: 'maven', version: '3.9.6-eclipse-temurin-21' },
      { ecosystem: 'docker', name: 'eclipse-temurin', version: '21-jre-alpine' },
      { ecosystem: 'java-agent', name: 'opentelemetry-javaagent', version: '1.32.0' },
    ]);
    const published = await changes(ds);
    expect(published).toHaveLength(first.changes);
    const rpc = published.find((c) => c.value.component.coordinates === 'com.acme:rpc-client')!;
    expect(rpc.key).toBe('orders/SOURCE/maven:com.acme:rpc-client');
    expect(rpc.value).toMatchObject({ kind: 'OBSERVED', origin: 'SOURCE', version: '1.3.0,1.4.2', previousVersion: null, commit: first.commit });
  });

  it('a new commit on the default branch: only what changed is published (version bump, removal)', async () => {
    const scans = running.app.get(SourceScanService);
    const ds = running.app.get(DataSource);
    const before = (await changes(ds)).length;
    const worker = readFileSync(join(fixtures, 'maven-multimodule/worker/pom.xml'), 'utf8').replace('<version>1.3.0</version>', '<version>1.4.2</version>');
    const commit = repo.commit({ 'worker/pom.xml': worker, Dockerfile: 'FROM eclipse-temurin:21-jre-alpine\n' }, 'align rpc-client, drop the agent');
    const second = await scans.scan('orders', repo.url, 'main');
    expect(second.commit).toBe(commit);
    const fresh = (await changes(ds)).slice(before).map((c) => [c.value.component.coordinates, c.value.kind, c.value.version, c.value.previousVersion]);
    expect(fresh).toEqual([
      ['com.acme:rpc-client', 'OBSERVED', '1.4.2', '1.3.0,1.4.2'],
      ['maven', 'REMOVED', null, '3.9.6-eclipse-temurin-21'],
      ['opentelemetry-javaagent', 'REMOVED', null, '1.32.0'],
    ]);
    // each removed component's key is also tombstoned, so compaction drops it from the topic
    expect(await tombstones(ds)).toEqual(['orders/SOURCE/docker:maven', 'orders/SOURCE/java-agent:opentelemetry-javaagent']);
    // an older ref is still readable from the mirror
    const old = await scans.scan('orders-old', repo.url, 'main~1');
    expect(old.result.components.find((c) => c.name === 'opentelemetry-javaagent')?.version).toBe('1.32.0');
  });

  it('an unknown ref is a git error, not a crash', async () => {
    await expect(running.app.get(SourceScanService).scan('orders', repo.url, 'no-such-branch')).rejects.toMatchObject({ code: 'DETECTION.GIT_FAILED' });
  });
});
