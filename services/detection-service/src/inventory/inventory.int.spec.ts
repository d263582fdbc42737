import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec, EVENT_TYPES, type RuntimeInstanceEvent } from '@shipshape/contracts';
import { HEADERS } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTION_SERVICE_SERVICE } from '../service';
import { bareRepoFrom, type BareRepo } from '../testing/git-fixture';

const fixtures = join(__dirname, '..', '..', '..', '..', 'libs/manifests/src/__fixtures__');
const codec = AvroCodec.fromContracts();
const instancesTopic = uniqueTopic('detection-instances');
const inventoryTopic = uniqueTopic('detection-inventory');

let db: TestDatabase;
let app: RunningServiceApp;
let producer: Producer;
let workDir: string;
const repos: BareRepo[] = [];

const get = async (path: string) => {
  const res = await fetch(`${app.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const RPC = 'ecosystem=maven&name=com.acme:rpc-client';

async function instanceEvent(e: Partial<RuntimeInstanceEvent> & Pick<RuntimeInstanceEvent, 'application' | 'instance' | 'state'>) {
  const value: RuntimeInstanceEvent = { eventId: `evt-${Math.random()}`, occurredAt: Date.now(), address: '127.0.0.1:1', version: '2.7.0', commit: null, previousVersion: null, environment: 'production', runtime: 'local', components: {}, ...e };
  await producer.send({ topic: instancesTopic, messages: [{ key: `${e.application}/${e.instance}`, value: codec.encode('RuntimeInstanceEvent', value), headers: { [HEADERS.messageId]: value.eventId, [HEADERS.eventType]: EVENT_TYPES.runtimeInstanceEvent } }] });
}

beforeAll(async () => {
  const infra = await getTestInfra();
  await createTopics(infra.kafkaBrokers, [instancesTopic, { name: inventoryTopic, cleanupPolicy: 'compact' }]);
  db = await createTestDatabase('detection-inventory', { create: false });
  workDir = mkdtempSync(join(tmpdir(), 'detection-inv-'));
  app = await startServiceApp({
    ...DETECTION_SERVICE_SERVICE,
    env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'warn', DETECTION_WORK_DIR: workDir, DETECTION_INVENTORY_TOPIC: inventoryTopic, DETECTION_RESCAN_INTERVAL_MS: '0' },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [instancesTopic], groupId: `detection-inventory-test-${Date.now()}` },
  });
  producer = new Kafka({ clientId: 'detection-inventory-test', brokers: infra.kafkaBrokers.split(','), logLevel: 0 }).producer();
  await producer.connect();
  repos.push(bareRepoFrom(join(fixtures, 'maven-multimodule')), bareRepoFrom(join(fixtures, 'gradle-kotlin')));
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
  await app?.app.close();
  await db?.drop();
  await deleteTopics((await getTestInfra()).kafkaBrokers, [instancesTopic, inventoryTopic]).catch(() => undefined);
  repos.forEach((r) => r.cleanup());
  rmSync(workDir, { recursive: true, force: true });
});

describe('inventory REST for dashboards', () => {
  it('scans on demand, then answers usage, distribution, behind and per-application components', async () => {
    const orders = await post('/api/inventory/applications/orders/scan', { repoUrl: repos[0]!.url });
    expect(orders).toMatchObject({ status: 200, body: { application: 'orders', commit: repos[0]!.head(), components: 14, errors: [] } });
    expect((await post('/api/inventory/applications/billing/scan', { repoUrl: repos[1]!.url, ref: 'main' })).status).toBe(200);

    const usage = await get(`/api/inventory/usage?${RPC}`);
    expect((usage.body['applications'] as { application: string; sourceVersions: string[]; runtimeVersions: string[] }[]).map((a) => [a.application, a.sourceVersions, a.runtimeVersions])).toEqual([
      ['billing', ['1.4.2'], []],
      ['orders', ['1.3.0', '1.4.2'], []],
    ]);
    expect((await get(`/api/inventory/distribution?${RPC}`)).body['versions']).toEqual([
      { version: '1.3.0', applications: ['orders'] },
      { version: '1.4.2', applications: ['billing', 'orders'] },
    ]);
    const behind = (await get(`/api/inventory/behind?${RPC}&minVersion=1.4.0`)).body['applications'] as { application: string; behind: { declaredAt: string; versionAt: string; version: string }[] }[];
    expect(behind.map((b) => [b.application, b.behind.map((d) => `${d.version} ${d.declaredAt} ${d.versionAt}`)])).toEqual([['orders', ['1.3.0 worker/pom.xml:18 worker/pom.xml:21']]]);
    const comps = (await get('/api/inventory/applications/billing/components?origin=SOURCE')).body['components'] as { name: string }[];
    expect(comps.map((c) => c.name)).toContain('org.springframework.boot:spring-boot-starter-web');
  });

  it('rejects bad queries with 400 naming each field', async () => {
    const bad = await get('/api/inventory/usage?ecosystem=pip');
    expect(bad.status).toBe(400);
    expect((bad.body['fieldErrors'] as { field: string }[]).map((e) => e.field)).toEqual(['ecosystem', 'name']);
    expect((await get(`/api/inventory/behind?${RPC}`)).body['fieldErrors']).toEqual([{ field: 'minVersion', message: 'is required' }]);
    expect((await post('/api/inventory/applications/orders/scan', {})).body['fieldErrors']).toEqual([{ field: 'repoUrl', message: 'is required' }]);
  });

  it('keeps the view of what runs where from RuntimeInstanceEvents (runtime versions; STOPPED leaves)', async () => {
    await instanceEvent({ application: 'orders', instance: 'orders-1', state: 'STARTED', components: { 'com.acme:rpc-client': '1.4.1' } });
    await instanceEvent({ application: 'orders', instance: 'orders-2', state: 'STARTED', components: { 'com.acme:rpc-client': '1.4.2' } });
    const runtime = () => get(`/api/inventory/usage?${RPC}`).then((r) => (r.body['applications'] as { application: string; runtimeVersions: string[] }[]).find((a) => a.application === 'orders')?.runtimeVersions);
    await waitFor(async () => ((await runtime())?.length === 2 ? true : undefined), { timeoutMs: 30_000, description: 'both instances in the inventory' });
    expect(await runtime()).toEqual(['1.4.1', '1.4.2']);
    expect((await get(`/api/inventory/distribution?${RPC}&origin=RUNTIME`)).body['versions']).toEqual([
      { version: '1.4.1', applications: ['orders'] },
      { version: '1.4.2', applications: ['orders'] },
    ]);
    await instanceEvent({ application: 'orders', instance: 'orders-1', state: 'STOPPED' });
    await waitFor(async () => ((await runtime())?.length === 1 ? true : undefined), { timeoutMs: 30_000, description: 'stopped instance gone' });
    expect(await runtime()).toEqual(['1.4.2']);
  });

  it('rescans the whole catalog on demand: new commits are picked up, unreadable instances are reported as values', async () => {
    repos[1]!.commit({ 'gradle.properties': 'rpcClientVersion=2.0.0\n' }, 'bump rpc-client');
    const summary = await post('/api/inventory/rescan', {});
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ applications: 2, instances: 1, failures: [{ target: 'orders/orders-2', code: 'DETECTION.INSTANCE_UNREADABLE' }] });
    const usage = (await get(`/api/inventory/usage?${RPC}`)).body['applications'] as { application: string; sourceVersions: string[]; runtimeVersions: string[] }[];
    expect(usage.find((a) => a.application === 'billing')?.sourceVersions).toEqual(['2.0.0']);
    expect(usage.find((a) => a.application === 'orders')?.runtimeVersions).toEqual(['1.4.2']); // last known reading kept
  });

  it('serves OpenAPI at /api/docs listing every inventory route with its parameters', async () => {
    expect((await fetch(`${app.url}/api/docs`)).status).toBe(200);
    type Parameter = { name: string; in: string; required?: boolean; schema?: { enum?: string[] } };
    type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } };
    const doc = (await get('/api/docs-json')).body as { paths: Record<string, Record<string, Operation>> };
    const params = (path: string, method = 'get') => (doc.paths[path]?.[method]?.parameters ?? []).map((p) => `${p.in}:${p.name}${p.required ? '!' : ''}`).sort();

    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/inventory')).sort()).toEqual([
      '/api/inventory/applications',
      '/api/inventory/applications/{application}/components',
      '/api/inventory/applications/{application}/instances/{instance}/scan',
      '/api/inventory/applications/{application}/scan',
      '/api/inventory/behind',
      '/api/inventory/catalog',
      '/api/inventory/distribution',
      '/api/inventory/rescan',
      '/api/inventory/usage',
    ]);
    expect(params('/api/inventory/usage')).toEqual(['query:ecosystem!', 'query:name!']);
    expect(params('/api/inventory/distribution')).toEqual(['query:ecosystem!', 'query:name!', 'query:origin']);
    expect(params('/api/inventory/behind')).toEqual(['query:ecosystem!', 'query:minVersion!', 'query:name!']);
    expect(params('/api/inventory/applications/{application}/components')).toEqual(['path:application!', 'query:origin']);
    expect(params('/api/inventory/applications/{application}/scan', 'post')).toEqual(['path:application!']);
    expect(params('/api/inventory/applications/{application}/instances/{instance}/scan', 'post')).toEqual(['path:application!', 'path:instance!']);
    expect(doc.paths['/api/inventory/usage']!.get!.parameters!.find((p) => p.name === 'ecosystem')!.schema!.enum).toEqual(['maven', 'npm', 'docker', 'jdk', 'java-agent']);
    const scanBody = doc.paths['/api/inventory/applications/{application}/scan']!.post!.requestBody!.content['application/json']!.schema;
    expect(Object.keys(scanBody.properties ?? {})).toEqual(['repoUrl', 'ref']);
    expect(scanBody.required).toEqual(['repoUrl']);
    expect(doc.paths['/api/inventory/rescan']?.post).toBeDefined();
  });
});
