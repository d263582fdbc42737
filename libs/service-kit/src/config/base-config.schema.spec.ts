import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { baseConfigSchema, loadConfig, requiredConfigKeys } from './base-config.schema';

const VALID = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
  KAFKA_BROKERS: '127.0.0.1:9092, kafka-2:9092',
};

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses a valid environment with defaults and typed values', () => {
    const config = loadConfig('task-manager', baseConfigSchema, { ...VALID, PORT: '3100', UNRELATED: 'x' });

    expect(config).toEqual({
      DATABASE_URL: VALID.DATABASE_URL,
      KAFKA_BROKERS: ['127.0.0.1:9092', 'kafka-2:9092'],
      PORT: 3100,
      LOG_LEVEL: 'info',
    });
  });

  it('names every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig('change-service', baseConfigSchema, {
        DATABASE_URL: 'mysql://db/x',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        DATABASE_NAME: 'bad-name',
      });
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message, code } = error as ConfigError;
    expect(code).toBe('SERVICE_KIT.CONFIG_INVALID');
    expect(problems).toHaveLength(6);
    expect(problems).toEqual(
      expect.arrayContaining([
        'DATABASE_URL: must be a postgres:// (or postgresql://) URL of the Postgres server',
        'KAFKA_BROKERS: is required (not set)',
        'PORT: must be a port number',
        expect.stringMatching(/^LOG_LEVEL: must be one of fatal, error, warn, info/),
        'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
        expect.stringMatching(/^DATABASE_NAME: must be a plain Postgres identifier/),
      ]),
    );
    expect(message).toMatch(/^invalid configuration for change-service \(6 problems\):\n {2}- /);
    for (const p of problems) expect(message).toContain(p);
  });

  it('treats empty variables as unset', () => {
    expect(problemsOf(() => loadConfig('task-manager', baseConfigSchema, { DATABASE_URL: ' ', KAFKA_BROKERS: '' }))).toEqual([
      'DATABASE_URL: is required (not set)',
      'KAFKA_BROKERS: is required (not set)',
    ]);
  });

  it('rejects broker lists that are not host:port', () => {
    expect(problemsOf(() => loadConfig('task-manager', baseConfigSchema, { ...VALID, KAFKA_BROKERS: 'kafka, 127.0.0.1:9092' }))).toEqual([
      'KAFKA_BROKERS: must be comma-separated host:port entries; not host:port: kafka',
    ]);
    expect(problemsOf(() => loadConfig('task-manager', baseConfigSchema, { ...VALID, KAFKA_BROKERS: ' , ' }))).toEqual([
      'KAFKA_BROKERS: must list at least one host:port',
    ]);
  });

  it('rejects ports out of range', () => {
    expect(problemsOf(() => loadConfig('task-manager', baseConfigSchema, { ...VALID, PORT: '70000' }))).toEqual(['PORT: must be 0-65535']);
  });

  it('reports a service extension together with the base problems', () => {
    const schema = baseConfigSchema.extend({ GIT_ROOT: z.string(), MAX_WORKSPACES: z.coerce.number().int().positive().default(4) });

    expect(problemsOf(() => loadConfig('change-service', schema, { DATABASE_URL: VALID.DATABASE_URL }))).toEqual([
      'KAFKA_BROKERS: is required (not set)',
      'GIT_ROOT: is required (not set)',
    ]);
    expect(loadConfig('change-service', schema, { ...VALID, GIT_ROOT: '/srv/git' })).toMatchObject({ GIT_ROOT: '/srv/git', MAX_WORKSPACES: 4 });
  });
});

describe('requiredConfigKeys', () => {
  it('lists the variables without default that are not optional', () => {
    expect(requiredConfigKeys(baseConfigSchema)).toEqual(['DATABASE_URL', 'KAFKA_BROKERS']);
    expect(requiredConfigKeys(baseConfigSchema.extend({ GIT_ROOT: z.string() }))).toEqual(['DATABASE_URL', 'KAFKA_BROKERS', 'GIT_ROOT']);
  });
});
