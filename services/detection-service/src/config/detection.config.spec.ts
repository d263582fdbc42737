import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@shipshape/service-kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { detectionConfigSchema } from './detection.config';

const compose = parse(readFileSync(join(__dirname, '../../../../docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { environment: Record<string, string> }> };
const base = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://postgres@localhost:5432/postgres', PORT: '3004' };

describe('detection-service configuration', () => {
  it('accepts the docker-compose environment, whose whole-catalog rescan runs every 6 hours', () => {
    const config = loadConfig('detection-service', detectionConfigSchema, compose.services['detection-service']!.environment);
    expect(config.DETECTION_RESCAN_INTERVAL_MS).toBe(6 * 60 * 60 * 1000);
  });

  it('turns the rescan timer off with 0 and rejects a negative or non-numeric interval, naming the variable', () => {
    expect(loadConfig('detection-service', detectionConfigSchema, { ...base, DETECTION_RESCAN_INTERVAL_MS: '0' }).DETECTION_RESCAN_INTERVAL_MS).toBe(0);
    expect(() => loadConfig('detection-service', detectionConfigSchema, { ...base, DETECTION_RESCAN_INTERVAL_MS: '-5' })).toThrow('DETECTION_RESCAN_INTERVAL_MS: must be 0 or more');
    expect(() => loadConfig('detection-service', detectionConfigSchema, { ...base, DETECTION_RESCAN_INTERVAL_MS: 'hourly' })).toThrow('DETECTION_RESCAN_INTERVAL_MS: must be a number of ms');
  });
});
