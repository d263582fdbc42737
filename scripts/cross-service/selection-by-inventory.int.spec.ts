/**
 * A task selecting "every application that depends on the component", against a real
 * detection-service: both services in-process on their own databases (real Postgres, real Kafka,
 * real git repositories scanned by detection), task-manager asking detection's REST inventory.
 * Test code may import several services; service code never does.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, type TestDatabase } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DETECTION_SERVICE_SERVICE } from '../../services/detection-service/src/service';
import { bareRepoFrom, type BareRepo } from '../../services/detection-service/src/testing/git-fixture';
import { api, bootTaskManager, createTestTopics, deleteTestTopics, type TestTopics } from '../../services/task-manager/test/task-manager.harness';

const pom = (artifact: string, dependency: { groupId: string; artifactId: string; version: string }) => `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>${artifact}</artifactId>
  <version>1.0.0</version>
  <dependencies>
    <dependency>
      <groupId>${dependency.groupId}</groupId>
      <artifactId>${dependency.artifactId}</artifactId>
      <version>${dependency.version}</version>
    </dependency>
  </dependencies>
</project>
`;
const rpc = (version: string) => ({ groupId: 'com.acme', artifactId: 'rpc-client', version });

/** What detection scans: application → its pom's one dependency. `outsider` is not in task-manager's catalog. */
const REPOS = {
  alpha: rpc('1.4.2'),
  bravo: rpc('2.1.0'),
  charlie: { groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '2.0.9' },
  delta: rpc('1.0.0'),
  outsider: rpc('1.2.0'),
} as const;
/** task-manager's catalog: echo was never scanned. */
const CATALOG = [
  { name: 'alpha', team: 'team-1' },
  { name: 'bravo', team: 'team-1' },
  { name: 'charlie', team: 'team-1' },
  { name: 'delta', team: 'team-2' },
  { name: 'echo', team: 'team-2' },
].map((a) => ({ ...a, service: `svc-${a.name}`, repositoryUrl: `/repos/${a.name}.git` }));

const TASK = {
  kind: 'component',
  component: { ecosystem: 'maven', coordinates: 'com.acme:rpc-client' },
  fromRange: '>=1.0 <2.0',
  toVersion: '2.0.0',
  approval: 'automatic',
} as const;

interface Plan {
  plan: {
    runs: Array<{ application: string }>;
    inventory: { applications: Array<{ application: string; versions: string[] }>; outOfRange: Array<{ application: string; versions: string[] }>; notSelected: Array<{ application: string }> };
  };
}
interface Refusal {
  message: string;
  errors?: Array<{ field: string; message: string }>;
}

let infra: Awaited<ReturnType<typeof getTestInfra>>;
let detectionDb: TestDatabase;
let detection: RunningServiceApp;
let tmDb: TestDatabase;
let topics: TestTopics;
let tm: RunningServiceApp;
let workDir: string;
const repos: BareRepo[] = [];
const detectionTopics = [uniqueTopic('sel-instances'), uniqueTopic('sel-inventory'), uniqueTopic('sel-detect-cmd')];

beforeAll(async () => {
  infra = await getTestInfra();
  const [instances, inventory, commands] = detectionTopics as [string, string, string];
  await createTopics(infra.kafkaBrokers, [instances, commands, { name: inventory, cleanupPolicy: 'compact' }]);
  detectionDb = await createTestDatabase('sel_detection', { create: false });
  workDir = mkdtempSync(join(tmpdir(), 'sel-detection-'));
  detection = await startServiceApp({
    ...DETECTION_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: detectionDb.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      DETECTION_WORK_DIR: workDir,
      DETECTION_INVENTORY_TOPIC: inventory,
      DETECTION_RESCAN_INTERVAL_MS: '0',
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [commands, instances], groupId: `sel-detection-${Date.now()}` },
  });
  for (const [application, dependency] of Object.entries(REPOS)) {
    const repo = bareRepoFrom(null, { 'pom.xml': pom(application, dependency) });
    repos.push(repo);
    const scanned = await api(detection.url, 'POST', `/api/inventory/applications/${application}/scan`, { repoUrl: repo.url });
    expect(scanned.status).toBe(200);
  }

  tmDb = await createTestDatabase('sel_tm', { create: false });
  topics = await createTestTopics('sel-tm');
  tm = await bootTaskManager(tmDb, topics, { DETECTION_BASE_URL: detection.url });
  expect((await api(tm.url, 'POST', '/api/applications/import', CATALOG)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await tm?.app.close();
  await detection?.app.close().catch(() => undefined);
  await tmDb?.drop();
  await detectionDb?.drop();
  if (topics) await deleteTestTopics(topics);
  await deleteTopics(infra.kafkaBrokers, detectionTopics).catch(() => undefined);
  repos.forEach((r) => r.cleanup());
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('selection: every application that depends on the component (detection-service inventory)', () => {
  it('selects the catalog applications detection says use the component in the source range, and shows them in the plan', async () => {
    const res = await api<Plan>(tm.url, 'POST', '/api/tasks', { ...TASK, selection: { usingComponent: true } });
    expect(res.status).toBe(201);
    expect(res.body.plan.runs.map((r) => r.application)).toEqual(['alpha', 'delta']);
    expect(res.body.plan.inventory.applications).toEqual([
      { application: 'alpha', versions: ['1.4.2'] },
      { application: 'delta', versions: ['1.0.0'] },
    ]);
    expect(res.body.plan.inventory.outOfRange).toEqual([{ application: 'bravo', versions: ['2.1.0'] }]);
    expect(res.body.plan.inventory.notSelected.map((n) => n.application)).toEqual(['outsider']);
  });

  it('intersects with the other selectors', async () => {
    const byTeam = await api<Plan>(tm.url, 'POST', '/api/tasks', { ...TASK, selection: { usingComponent: true, teams: ['team-1'] } });
    expect(byTeam.status).toBe(201);
    expect(byTeam.body.plan.runs.map((r) => r.application)).toEqual(['alpha']);
    const byName = await api<Plan>(tm.url, 'POST', '/api/tasks', { ...TASK, fromRange: '[1.0,3.0)', selection: { usingComponent: true, applications: ['bravo', 'charlie', 'delta'] } });
    expect(byName.status).toBe(201);
    expect(byName.body.plan.runs.map((r) => r.application)).toEqual(['bravo', 'delta']);
  });

  it('answers 400 naming the field when nobody is in range or the range is no range', async () => {
    const none = await api<Refusal>(tm.url, 'POST', '/api/tasks', { ...TASK, fromRange: '>=3.0', selection: { usingComponent: true } });
    expect(none.status).toBe(400);
    expect(none.body.errors?.[0]?.field).toBe('selection.usingComponent');
    expect(none.body.errors?.[0]?.message).toContain('out of range: alpha (1.4.2), bravo (2.1.0), delta (1.0.0)');
    const bad = await api<Refusal>(tm.url, 'POST', '/api/tasks', { ...TASK, fromRange: 'latest', selection: { usingComponent: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.field)).toEqual(['fromRange']);
    const empty = await api<Refusal>(tm.url, 'POST', '/api/tasks', { ...TASK, selection: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.errors?.map((e) => e.field)).toEqual(['selection']);
  });

  describe('when detection-service answers garbage', () => {
    let server: Server;
    let garbageTm: RunningServiceApp;
    let garbageDb: TestDatabase;
    let answer: { status: number; body: string; delayMs?: number } = { status: 200, body: '' };

    beforeAll(async () => {
      server = createServer((_req, res) => {
        const { status, body, delayMs } = answer;
        setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(body), delayMs ?? 0);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      garbageDb = await createTestDatabase('sel_tm_garbage', { create: false });
      garbageTm = await bootTaskManager(garbageDb, topics, { DETECTION_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, CONSUMER_GROUP_ID: `sel-garbage-${Date.now()}`, DETECTION_TIMEOUT_MS: '500' });
      expect((await api(garbageTm.url, 'POST', '/api/applications/import', CATALOG)).status).toBe(200);
    }, 60_000);

    afterAll(async () => {
      await garbageTm?.app.close();
      await garbageDb?.drop();
      server?.close();
    });

    it.each([
      { status: 200, body: 'not json at all', says: 'not JSON' },
      { status: 200, body: '{"applications":[{"application":7}]}', says: 'unexpected shape (applications.0.application' },
      { status: 200, body: '{"component":{}}', says: 'unexpected shape (applications' },
      { status: 500, body: '{"statusCode":500}', says: 'answered HTTP 500' },
      { status: 200, body: '{"applications":[]}', delayMs: 1500, says: 'did not answer within 500 ms' },
    ])('answers 503 naming the problem: $says', async ({ status, body, delayMs, says }) => {
      answer = { status, body, delayMs };
      const res = await api<Refusal>(garbageTm.url, 'POST', '/api/tasks', { ...TASK, selection: { usingComponent: true } });
      expect(res.status).toBe(503);
      expect(res.body.message).toContain('detection-service at http://127.0.0.1:');
      expect(res.body.message).toContain(says);
    });
  });

  it('answers 503 naming the problem when detection-service is unreachable, and creates nothing', async () => {
    const before = await api<unknown[]>(tm.url, 'GET', '/api/tasks');
    await detection.app.close();
    const res = await api<Refusal>(tm.url, 'POST', '/api/tasks', { ...TASK, selection: { usingComponent: true } });
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(new RegExp(`detection-service at ${detection.url} is unreachable \\(ECONNREFUSED\\)`));
    expect((await api<unknown[]>(tm.url, 'GET', '/api/tasks')).body).toHaveLength(before.body.length);
    // Selections that do not ask the inventory still work.
    expect((await api(tm.url, 'POST', '/api/tasks', { ...TASK, selection: { teams: ['team-2'] } })).status).toBe(201);
  });
});
