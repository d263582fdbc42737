import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { createTestDatabase, getClosedPort, getTestInfra, type TestDatabase, type TestInfra } from '@shipshape/testkit';
import { getTelemetry } from '@shipshape/telemetry';
import { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { Column, DataSource, Entity, PrimaryColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceApp, createServiceApp, type RunningServiceApp } from './bootstrap';
import { createServiceDataSource, runMigrationsExclusively } from './database/data-source';
import { ensureDatabase } from './database/ensure-database';
import { ConfigError } from './errors';
import type { ReadinessReport } from './health/health.service';
import { DATA_SOURCE, KAFKA, LOGGER } from './tokens';
import { createLogger } from '@shipshape/telemetry';

class CreateKitProbe1764460800000 implements MigrationInterface {
  name = 'CreateKitProbe1764460800000';
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE kit_probe (id text PRIMARY KEY, note text NOT NULL)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kit_probe');
  }
}

/** Mapped but never migrated: if synchronize ever ran, its table would appear. */
@Entity({ name: 'kit_unmigrated' })
class Unmigrated {
  @PrimaryColumn('text') id!: string;
  @Column('text') value!: string;
}

@Injectable()
class ProbeService {
  constructor(
    readonly dataSource: DataSource,
    @Inject(DATA_SOURCE) readonly dataSourceByToken: DataSource,
    @Inject(KAFKA) readonly kafka: Kafka,
    readonly kafkaByClass: Kafka,
    @Inject(LOGGER) readonly logger: unknown,
  ) {}
}

@Controller('probe')
class ProbeController {
  constructor(private readonly probe: ProbeService) {}
  @Get()
  async count(): Promise<{ rows: number }> {
    const [row] = await this.probe.dataSource.query('SELECT count(*)::int AS rows FROM kit_probe');
    return { rows: row.rows };
  }
}

@Module({ controllers: [ProbeController], providers: [ProbeService] })
class ProbeModule {}

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    return res.rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

let infra: TestInfra;
const databases: TestDatabase[] = [];

async function freshDatabase(create = true): Promise<TestDatabase> {
  const db = await createTestDatabase('kit_it', { create });
  databases.push(db);
  return db;
}

function envFor(db: TestDatabase, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'silent', ...overrides };
}

beforeAll(async () => {
  infra = await getTestInfra();
});

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

describe('a service booted with service-kit', () => {
  let running: RunningServiceApp;
  let db: TestDatabase;
  let configuredWith: unknown;

  beforeAll(async () => {
    db = await freshDatabase(false);
    running = await startServiceApp({
      service: 'task-manager',
      module: ProbeModule,
      migrations: [CreateKitProbe1764460800000],
      entities: [Unmigrated],
      env: envFor(db),
      port: 0,
      host: '127.0.0.1',
      configure: (_app, context) => {
        configuredWith = context.database.name;
      },
    });
  });

  afterAll(async () => {
    await running?.app.close();
  });

  it('creates its database, runs its migrations and never synchronizes', async () => {
    expect(await tables(db.url)).toEqual(['kit_probe', 'messaging_inbox', 'messaging_outbox', 'migrations', 'service_info']);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT name FROM migrations ORDER BY id');
    await client.end();
    expect(rows).toEqual([{ name: 'MessagingTables1764400000000' }, { name: 'ServiceInfo1764400000001' }, { name: 'CreateKitProbe1764460800000' }]);
    expect(running.context.dataSource.options.synchronize).toBe(false);
  });

  it('gives feature modules the DataSource, Kafka client and logger', async () => {
    const probe = running.app.get(ProbeService);
    expect(probe.dataSource).toBe(running.context.dataSource);
    expect(probe.dataSourceByToken).toBe(running.context.dataSource);
    expect(probe.kafka).toBe(running.context.kafka);
    expect(probe.kafkaByClass).toBe(running.context.kafka);
    expect(probe.logger).toBe(running.context.logger);
    expect(configuredWith).toBe(db.name);

    const res = await fetch(`${running.url}/probe`);
    expect(await res.json()).toEqual({ rows: 0 });
  });

  it('is ready when Postgres and Kafka answer', async () => {
    for (const path of ['/health', '/health/ready']) {
      const res = await fetch(`${running.url}${path}`);
      const body = (await res.json()) as ReadinessReport;
      expect(res.status).toBe(200);
      expect(body).toEqual({
        status: 'ok',
        service: 'task-manager',
        checks: { postgres: { status: 'ok', latency_ms: expect.any(Number) }, kafka: { status: 'ok', latency_ms: expect.any(Number) } },
      });
    }
    const live = await fetch(`${running.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });

  it('serves Prometheus text with process and HTTP metrics', async () => {
    await fetch(`${running.url}/health/live`);
    const res = await fetch(`${running.url}/metrics`);
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text).toMatch(/^# TYPE process_resident_memory_bytes gauge$/m);
    expect(text).toMatch(/^http_server_request_duration_seconds_count\{[^}]*route="\/health\/live"[^}]*status_code="200"[^}]*\} \d+$/m);
    expect(text).toMatch(/^target_info\{[^}]*service_name="task-manager"/m);
  });

  it('boots again on the same database without re-applying migrations', async () => {
    const again = await createServiceApp({ service: 'task-manager', module: ProbeModule, migrations: [CreateKitProbe1764460800000], env: envFor(db) });
    try {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS n FROM migrations');
      await client.end();
      expect(rows[0].n).toBe(3); // the kit's messaging tables and service_info + the probe, each once
    } finally {
      await again.app.close();
    }
  });

  it("refuses to boot on another service's database, before touching it", async () => {
    const error = await createServiceApp({ service: 'change-service', module: ProbeModule, migrations: [CreateKitProbe1764460800000], env: envFor(db) }).catch(
      (err: unknown) => err,
    );
    expect(error).toMatchObject({ code: 'SERVICE_KIT.WRONG_DATABASE' });
    expect((error as Error).message).toContain(`database ${db.name} belongs to task-manager, not change-service`);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM migrations');
    await client.end();
    expect(rows[0].n).toBe(3); // nothing more was applied
  });
});

describe('readiness when a dependency is down', () => {
  it('answers 503 naming kafka when the broker address is unreachable, and stays live', async () => {
    const db = await freshDatabase();
    const closed = await getClosedPort();
    const running = await startServiceApp({
      service: 'release-service',
      module: ProbeModule,
      migrations: [CreateKitProbe1764460800000],
      env: envFor(db, { KAFKA_BROKERS: `127.0.0.1:${closed}` }),
      port: 0,
      host: '127.0.0.1',
    });
    try {
      const started = performance.now();
      const res = await fetch(`${running.url}/health`);
      const body = (await res.json()) as ReadinessReport;

      expect(res.status).toBe(503);
      expect(body.status).toBe('error');
      expect(body.checks.postgres.status).toBe('ok');
      expect(body.checks.kafka).toMatchObject({ status: 'error', error: expect.stringMatching(/ECONNREFUSED|connect|did not answer/i) });
      expect(performance.now() - started).toBeLessThan(5_000);
      expect((await fetch(`${running.url}/health/live`)).status).toBe(200);
    } finally {
      await running.app.close();
    }
  });

  it('answers 503 naming postgres when the database connection is gone', async () => {
    const db = await freshDatabase();
    const running = await startServiceApp({ service: 'detection-service', module: ProbeModule, migrations: [], env: envFor(db), port: 0, host: '127.0.0.1' });
    try {
      await running.context.dataSource.destroy();
      const res = await fetch(`${running.url}/health/ready`);
      const body = (await res.json()) as ReadinessReport;

      expect(res.status).toBe(503);
      expect(body.checks.postgres).toMatchObject({ status: 'error', error: expect.any(String) });
      expect(body.checks.kafka.status).toBe('ok');
    } finally {
      await running.app.close();
    }
  });
});

describe('shutdown', () => {
  it('closes HTTP, the DataSource and telemetry', async () => {
    const db = await freshDatabase();
    const running = await startServiceApp({ service: 'change-service', module: ProbeModule, migrations: [], env: envFor(db), port: 0, host: '127.0.0.1' });
    expect((await fetch(`${running.url}/health`)).status).toBe(200);

    await running.app.close();

    expect(running.context.dataSource.isInitialized).toBe(false);
    expect(getTelemetry()).toBeUndefined();
    await expect(fetch(`${running.url}/health/live`)).rejects.toThrow();
  });
});

describe('boot failures', () => {
  it('stops on bad configuration before touching the database or leaving telemetry running', async () => {
    const db = await freshDatabase();
    const error = await createServiceApp({
      service: 'task-manager',
      module: ProbeModule,
      migrations: [],
      env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, PORT: 'x' },
    }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual(['KAFKA_BROKERS: is required (not set)', 'PORT: must be a port number']);
    expect(getTelemetry()).toBeUndefined();
  });

  it('releases the DataSource and telemetry when a migration fails', async () => {
    const db = await freshDatabase();
    class Broken1764460800001 implements MigrationInterface {
      name = 'Broken1764460800001';
      async up(q: QueryRunner): Promise<void> {
        await q.query('CREATE TABLE broken (');
      }
      async down(): Promise<void> {}
    }
    const error = await createServiceApp({ service: 'task-manager', module: ProbeModule, migrations: [Broken1764460800001], env: envFor(db) }).catch(
      (err: unknown) => err,
    );

    expect(error).toBeInstanceOf(Error);
    expect(getTelemetry()).toBeUndefined();
    expect(await tables(db.url)).toEqual(['messaging_inbox', 'messaging_outbox', 'migrations', 'service_info']); // the broken one left nothing
  });
});

describe('database creation and migrations under concurrency', () => {
  it('creates a missing database exactly once when many callers race', async () => {
    const db = await freshDatabase(false);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => ensureDatabase(infra.databaseUrl, db.name)));

    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'exists')).toHaveLength(7);
  });

  it('applies each migration once when replicas boot together', async () => {
    const db = await freshDatabase();
    const logger = createLogger('kit-it', {}, { level: 'silent' });
    const sources = [1, 2, 3].map(() => createServiceDataSource({ url: db.url, applicationName: 'kit-it', migrations: [CreateKitProbe1764460800000], logger }));
    await Promise.all(sources.map((s) => s.initialize()));
    try {
      const applied = await Promise.all(sources.map((s) => runMigrationsExclusively(s)));
      expect(applied.flat()).toEqual(['CreateKitProbe1764460800000']);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
    }
  });
});
