import { AvroCodec, type ApplicationCatalogEntry } from '@shipshape/contracts';
import { HEADERS } from '@shipshape/messaging';
import type { RunningServiceApp } from '@shipshape/service-kit';
import { getTestInfra, waitFor, type TestDatabase } from '@shipshape/testkit';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, bootTaskManager, createTestDatabase, createTestTopics, deleteTestTopics, type TestTopics } from '../../test/task-manager.harness';

const codec = AvroCodec.fromContracts();
let db: TestDatabase;
let topics: TestTopics;
let running: RunningServiceApp;
let consumer: Consumer;
const published: { key: string; messageId: string; entry: ApplicationCatalogEntry }[] = [];

beforeAll(async () => {
  db = await createTestDatabase('tm_catalog', { create: false });
  topics = await createTestTopics('tm-catalog', 1);
  running = await bootTaskManager(db, topics);
  const { kafkaBrokers } = await getTestInfra();
  consumer = new Kafka({ clientId: 'tm-catalog-test', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).consumer({ groupId: `test-${topics.applications}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.applications, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const decoded = codec.decode(message.value!);
      if (decoded.eventType !== 'ApplicationCatalogEntry') throw new Error(`unexpected ${decoded.eventType}`);
      published.push({ key: message.key!.toString(), messageId: message.headers![HEADERS.messageId]!.toString(), entry: decoded.value });
    },
  });
});

afterAll(async () => {
  await consumer?.disconnect();
  await running?.app.close();
  await db?.drop();
  if (topics) await deleteTestTopics(topics);
});

const until = (n: number, description: string) => waitFor(() => (published.length >= n ? true : undefined), { timeoutMs: 30_000, description });

describe('catalog changes on the applications topic (ApplicationCatalogEntry through the outbox)', () => {
  it('publishes each application imported, created, updated and deleted, keyed by name; a rejected import publishes nothing', async () => {
    const url = running.url;
    const imported = await api(url, 'POST', '/api/applications/import', [
      { name: 'billing', team: 'payments', service: 'billing-svc', repositoryUrl: 'file:///repos/billing.git', labels: { tier: 'critical' } },
      { name: 'ledger', team: 'payments', service: 'ledger-svc', repositoryUrl: 'file:///repos/ledger.git', defaultBranch: 'trunk', buildTool: 'gradle' },
    ]);
    expect(imported.status).toBe(200);
    const rejected = await api(url, 'POST', '/api/applications/import', [{ name: 'broken', service: 's', repositoryUrl: '/r.git' }]);
    expect(rejected.status).toBe(400);
    expect((await api(url, 'POST', '/api/applications', { name: 'search', team: 'discovery', service: 'search-svc', repositoryUrl: 'file:///repos/search.git', buildTool: 'npm' })).status).toBe(201);
    expect((await api(url, 'PATCH', '/api/applications/billing', { defaultBranch: 'release' })).status).toBe(200);
    expect((await api(url, 'DELETE', '/api/applications/ledger')).status).toBe(204);

    await until(5, 'five catalog entries');
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives (the rejected import published nothing)
    expect(published.map((p) => [p.key, p.entry.name, p.entry.defaultBranch, p.entry.deleted])).toEqual([
      ['billing', 'billing', 'main', false],
      ['ledger', 'ledger', 'trunk', false],
      ['search', 'search', 'main', false],
      ['billing', 'billing', 'release', false],
      ['ledger', 'ledger', 'trunk', true],
    ]);
    expect(published[0]!.entry).toMatchObject({ team: 'payments', service: 'billing-svc', repositoryUrl: 'file:///repos/billing.git', buildTool: 'maven', labels: { tier: 'critical' } });
    expect(published[4]!.entry).toMatchObject({ team: 'payments', service: 'ledger-svc', repositoryUrl: 'file:///repos/ledger.git', buildTool: 'gradle' });
    expect(new Set(published.map((p) => p.messageId)).size).toBe(5);
    expect(published[4]!.entry.occurredAt).toBeGreaterThanOrEqual(published[0]!.entry.occurredAt);
  });

  it('publishes nothing when a delete is refused', async () => {
    const before = published.length;
    expect((await api(running.url, 'DELETE', '/api/applications/ghost')).status).toBe(404);
    await new Promise((r) => setTimeout(r, 500));
    expect(published.length).toBe(before);
  });
});
