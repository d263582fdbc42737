/**
 * One parameterised integration test for every service: boots each service definition in-process
 * (the same one its main.ts runs) against the real Postgres and Kafka from getTestInfra.
 * It lives beside the services rather than in service-kit because libs may not import services.
 */
import { SERVICES, type ServiceName } from '@shipshape/contracts';
import { MESSAGING_MIGRATIONS } from '@shipshape/messaging';
import { serviceInfoMigration, startServiceApp, type ReadinessReport, type RunningServiceApp, type ServiceOptions } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getClosedPort, getTestInfra, uniqueTopic, type TestDatabase, type TestInfra } from '@shipshape/testkit';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_SERVICE_SERVICE } from './change-service/src/service';
import { DETECTION_SERVICE_SERVICE } from './detection-service/src/service';
import { RELEASE_SERVICE_SERVICE } from './release-service/src/service';
import { TASK_MANAGER_SERVICE } from './task-manager/src/service';
import { TEST_ENV_SERVICE_SERVICE } from './test-env-service/src/service';

interface Case {
  readonly definition: ServiceOptions;
  /** Tables the service must have besides the kit's (messaging_inbox, messaging_outbox, migrations, service_info). */
  readonly tables: readonly string[];
}

const CASES: Record<ServiceName, Case> = {
  'task-manager': { definition: TASK_MANAGER_SERVICE, tables: ['applications'] },
  'change-service': { definition: CHANGE_SERVICE_SERVICE, tables: [] },
  'test-env-service': { definition: TEST_ENV_SERVICE_SERVICE, tables: [] },
  'release-service': { definition: RELEASE_SERVICE_SERVICE, tables: [] },
  'detection-service': { definition: DETECTION_SERVICE_SERVICE, tables: [] },
};

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

let infra: TestInfra;
beforeAll(async () => {
  infra = await getTestInfra();
});

it('has a definition for exactly the services in SERVICES', () => {
  expect(Object.values(CASES).map((c) => c.definition.service)).toEqual(SERVICES.map((s) => s.name));
});

describe.each(SERVICES.map((s) => ({ name: s.name, ...CASES[s.name] })))('$name', ({ name, definition, tables }) => {
  let db: TestDatabase;
  let running: RunningServiceApp;
  // The service consumes a topic and group of its own here, never the catalog's.
  const topic = uniqueTopic(`svc-${name}`);
  const messaging = definition.messaging ? { ...definition.messaging, consumes: [topic], groupId: `test-${topic}` } : undefined;

  beforeAll(async () => {
    await createTopics(infra.kafkaBrokers, [topic]);
    db = await createTestDatabase(name, { create: false });
    running = await startServiceApp({
      ...definition,
      messaging,
      env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'warn' },
      port: 0,
      host: '127.0.0.1',
    });
  });

  afterAll(async () => {
    await running?.app.close();
    await db?.drop();
    await deleteTopics(infra.kafkaBrokers, [topic]);
  });

  it('creates its database and applies its migrations, never synchronize', async () => {
    const present = await query<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(present.map((t) => t.table_name)).toEqual(expect.arrayContaining(['messaging_inbox', 'messaging_outbox', 'migrations', 'service_info', ...tables]));

    const applied = await query<{ name: string }>(db.url, 'SELECT name FROM migrations ORDER BY id');
    expect(applied.map((m) => m.name)).toEqual([...MESSAGING_MIGRATIONS, serviceInfoMigration(name), ...definition.migrations].map((m) => new m().name));

    const owner = await query<{ value: string }>(db.url, "SELECT value FROM service_info WHERE key = 'service'");
    expect(owner).toEqual([{ value: name }]);
    expect(running.context.dataSource.options.synchronize).toBe(false);
  });

  it('is ready with both checks ok', async () => {
    const res = await fetch(`${running.url}/health`);
    const body = (await res.json()) as ReadinessReport;

    expect(res.status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', service: name, checks: { postgres: { status: 'ok' }, kafka: { status: 'ok' } } });
  });

  it('serves Prometheus metrics', async () => {
    const res = await fetch(`${running.url}/metrics`);
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toMatch(new RegExp(`^target_info\\{[^}]*service_name="${name}"`, 'm'));
    expect(text).toMatch(/^process_resident_memory_bytes(\{[^}]*\})? \d+/m);
  });

  it('reports 503 naming kafka when the broker is unreachable', async () => {
    const closed = await getClosedPort();
    const offline = await startServiceApp({
      ...definition,
      messaging,
      env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: `127.0.0.1:${closed}`, LOG_LEVEL: 'silent' },
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const res = await fetch(`${offline.url}/health`);
      const body = (await res.json()) as ReadinessReport;

      expect(res.status).toBe(503);
      expect(body.checks.kafka).toMatchObject({ status: 'error', error: expect.stringContaining(`127.0.0.1:${closed}`) });
      expect(body.checks.postgres.status).toBe('ok');
    } finally {
      await offline.app.close();
    }
  });
});
