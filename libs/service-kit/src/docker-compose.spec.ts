/**
 * Checks the top-level docker-compose.yml against the code it deploys: exactly the services in
 * contracts SERVICES, on their ports, each with every variable the config schema requires (and a
 * valid value for each). It only parses the file: no Docker engine runs here, so `docker compose up`
 * itself is not exercised by any test on this machine.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { baseConfigSchema, loadConfig, requiredConfigKeys } from './config/base-config.schema';

const ROOT = path.resolve(__dirname, '../../..');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, string> };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number)[];
  labels?: Record<string, string>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  volumes?: string[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const collector = parse(readFileSync(path.join(ROOT, 'infra/otel/collector.yaml'), 'utf8')) as {
  exporters: Record<string, { endpoint?: string }>;
  service: { pipelines: Record<string, { receivers: string[]; exporters: string[] }> };
};

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

const appServices = Object.entries(compose.services).filter(([, s]) => s.labels?.['dev.shipshape.role'] === 'service');

describe('docker-compose.yml', () => {
  it('runs exactly the services in SERVICES', () => {
    expect(appServices.map(([name]) => name).sort()).toEqual(SERVICES.map((s) => s.name).sort());
  });

  describe.each(SERVICES.map((s) => ({ ...s })))('$name', ({ name, port }) => {
    const service = compose.services[name] ?? {};
    const env = environmentOf(service);

    it('builds the top-level Dockerfile for this service', () => {
      expect(service.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile', args: { SERVICE: name } });
    });

    it('listens on its SERVICES port and publishes it', () => {
      expect(env['PORT']).toBe(String(port));
      expect(service.ports).toContain(`${port}:${port}`);
      expect(JSON.stringify(service.healthcheck?.test)).toContain(`127.0.0.1:${port}/health`);
    });

    it('sets every variable the config schema requires, with valid values', () => {
      for (const key of requiredConfigKeys(baseConfigSchema)) expect(env, key).toHaveProperty(key);
      expect(() => loadConfig(name, baseConfigSchema, env)).not.toThrow();
      expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).toBe('http://otel-collector:4318');
    });

    it('points at the compose Kafka, Postgres and collector, and waits for them', () => {
      const hosts = [new URL(env['DATABASE_URL'] ?? '').hostname, ...(env['KAFKA_BROKERS'] ?? '').split(',').map((b) => b.split(':')[0] ?? '')];
      for (const host of [...hosts, new URL(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '').hostname]) expect(compose.services).toHaveProperty([host]);
      expect(service.depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        'kafka-init': { condition: 'service_completed_successfully' },
      });
    });
  });

  it('runs a single-node KRaft Kafka 4 whose internal topics fit one broker', () => {
    const kafka = compose.services['kafka'] ?? {};
    const env = environmentOf(kafka);
    expect(kafka.image).toMatch(/^apache\/kafka:4\./);
    expect(env).toMatchObject({
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    });
  });

  it('creates the topics from the contracts catalog before the services start', () => {
    const init = compose.services['kafka-init'] ?? {};
    expect(init.command).toEqual(expect.arrayContaining([expect.stringContaining("require('@shipshape/contracts')")]));
    expect(JSON.stringify(init.command)).toContain('TOPIC_CATALOG');
    expect(init.depends_on).toMatchObject({ kafka: { condition: 'service_healthy' } });
  });

  it('sends traces through the collector to Jaeger', () => {
    const collectorService = compose.services['otel-collector'] ?? {};
    expect(collectorService.volumes).toContain('./infra/otel/collector.yaml:/etc/otelcol/collector.yaml:ro');
    expect(compose.services['jaeger']?.image).toMatch(/^jaegertracing\/all-in-one:/);

    const traces = collector.service.pipelines['traces'];
    expect(traces?.receivers).toContain('otlp');
    const endpoints = (traces?.exporters ?? []).map((e) => collector.exporters[e]?.endpoint);
    expect(endpoints).toContain('jaeger:4317');
  });
});
