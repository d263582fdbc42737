import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, type TestDatabase } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEvidence, verify } from '../detect/verify';
import { DETECTION_SERVICE_SERVICE } from '../service';
import { bareRepoFrom, type BareRepo } from '../testing/git-fixture';
import { FIXTURE_GROUP, buildMavenRepo } from '../testing/maven-repo.fixture';
import { MavenUnavailableError, resolveWithMaven } from './maven-resolver';
import { SourceScanService } from './source-scan.service';

const topic = uniqueTopic('detection-inventory');
let root: string;
let db: TestDatabase;
let app: RunningServiceApp;
let repo: BareRepo;
const RPC = `${FIXTURE_GROUP}:rpc-client`;

beforeAll(async () => {
  const infra = await getTestInfra();
  root = mkdtempSync(join(tmpdir(), 'detection-mvn-'));
  const mavenRepo = buildMavenRepo(root);
  const dep = (a: string, v?: string) => `      <dependency><groupId>${FIXTURE_GROUP}</groupId><artifactId>${a}</artifactId>${v ? `<version>${v}</version>` : ''}</dependency>\n`;
  repo = bareRepoFrom(null, {
    'pom.xml': `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme.orders</groupId>\n  <artifactId>orders-parent</artifactId>\n  <version>2.7.0</version>\n  <packaging>pom</packaging>\n  <modules><module>api</module><module>worker</module></modules>\n  <repositories><repository><id>fixture</id><url>${mavenRepo}</url></repository></repositories>\n</project>\n`,
    'api/pom.xml': `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <parent><groupId>com.acme.orders</groupId><artifactId>orders-parent</artifactId><version>2.7.0</version></parent>\n  <artifactId>orders-api</artifactId>\n  <dependencies>\n${dep('rpc-client', '2.0.0')}  </dependencies>\n</project>\n`,
    'worker/pom.xml': `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <parent><groupId>com.acme.orders</groupId><artifactId>orders-parent</artifactId><version>2.7.0</version></parent>\n  <artifactId>orders-worker</artifactId>\n  <dependencies>\n${dep('legacy-lib', '1.0.0')}  </dependencies>\n</project>\n`,
  });
  await createTopics(infra.kafkaBrokers, [{ name: topic, cleanupPolicy: 'compact' }]);
  db = await createTestDatabase('detection-mvn', { create: false });
  app = await startServiceApp({
    ...DETECTION_SERVICE_SERVICE,
    messaging: undefined, // scans only: never join the catalog topics' consumer groups (other tests' events live there)
    env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'warn', DETECTION_WORK_DIR: join(root, 'work'), DETECTION_INVENTORY_TOPIC: topic, DETECTION_MAVEN_MODE: 'accurate', DETECTION_RESCAN_INTERVAL_MS: '0' },
    port: 0,
    host: '127.0.0.1',
  });
}, 120_000);

afterAll(async () => {
  await app?.app.close();
  await db?.drop();
  await deleteTopics((await getTestInfra()).kafkaBrokers, [topic]).catch(() => undefined);
  repo?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe('accurate Maven mode (mvn dependency:tree on the exported commit)', () => {
  it('finds the transitive dependency the static mode cannot see, with the path that pulls it', async () => {
    const scans = app.app.get(SourceScanService);
    const stat = await scans.scan('orders', repo.url, 'main', 'static');
    expect(stat.entries.filter((e) => e.name === RPC).map((e) => e.version)).toEqual(['2.0.0']);

    const accurate = await scans.scan('orders', repo.url, 'main', 'accurate');
    expect(accurate.mavenMode).toBe('accurate');
    const resolved = accurate.entries.filter((e) => e.kind === 'resolved' && e.name === RPC).map((e) => [e.module, e.version, e.direct, e.via]);
    expect(resolved).toEqual([
      ['com.acme.orders:orders-api:2.7.0', '2.0.0', true, null],
      ['com.acme.orders:orders-worker:2.7.0', '1.4.0', false, `${FIXTURE_GROUP}:legacy-lib:1.0.0`],
    ]);
    const evidence = verify({ target: { ecosystem: 'maven', coordinates: RPC, toVersion: '2.0.0' }, source: { commit: accurate.commit, entries: accurate.entries }, instances: null, expectedCommit: null });
    expect(evidence.map((e) => describeEvidence(e, RPC))).toEqual([
      `a transitive dependency still pulls ${RPC} 1.4.0 (${FIXTURE_GROUP}:legacy-lib:1.0.0, mvn dependency:tree of com.acme.orders:orders-worker:2.7.0)`,
    ]);
  }, 180_000);

  it('without Maven installed the resolver says so (the scan then stays static)', async () => {
    await expect(resolveWithMaven(root, { command: join(root, 'no-such-mvn'), timeoutMs: 10_000 })).rejects.toBeInstanceOf(MavenUnavailableError);
  });
});
