/**
 * task-manager's variables against docker-compose.yml: the compose service sets valid values for all
 * of them, and the URLs of other services point at their compose services and SERVICES ports.
 * (libs/service-kit's compose spec checks the base variables of every service; it may not import this schema.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@shipshape/contracts';
import { loadConfig, requiredConfigKeys } from '@shipshape/service-kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { taskManagerConfigSchema } from './task-manager.config';

const compose = parse(readFileSync(path.resolve(__dirname, '../../../../docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string | number | null> }>;
};
const env = Object.fromEntries(Object.entries(compose.services['task-manager']?.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));

describe('task-manager config in docker-compose.yml', () => {
  it('sets every required variable, and every value parses', () => {
    for (const key of requiredConfigKeys(taskManagerConfigSchema)) expect(env, key).toHaveProperty(key);
    expect(() => loadConfig('task-manager', taskManagerConfigSchema, env)).not.toThrow();
  });

  it('points DETECTION_BASE_URL at the detection-service compose service and port', () => {
    const url = new URL(env['DETECTION_BASE_URL'] ?? '');
    expect(compose.services).toHaveProperty([url.hostname]);
    expect(url.hostname).toBe('detection-service');
    expect(url.port).toBe(String(SERVICES.find((s) => s.name === 'detection-service')?.port));
  });

  it('names a bad DETECTION_BASE_URL at boot', () => {
    expect(() => loadConfig('task-manager', taskManagerConfigSchema, { ...env, DETECTION_BASE_URL: 'ftp://detection' })).toThrow(/DETECTION_BASE_URL/);
  });
});
