import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');

describe('bootstrapService with a bad environment', () => {
  it('exits 1 after one fatal record naming every problem', () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], PORT: 'eighty', DATABASE_URL: 'mysql://db/x' };
    const child = spawnSync(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['--tsconfig', path.join(ROOT, 'tsconfig.spec.json'), path.join(__dirname, '__fixtures__/boot.main.ts')],
      { cwd: ROOT, env, encoding: 'utf8', timeout: 30_000 },
    );

    const lines = child.stdout.split('\n').filter((l) => l.trim().length > 0);
    expect(child.status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'fatal',
      name: 'task-manager',
      msg: 'invalid configuration',
      code: 'SERVICE_KIT.CONFIG_INVALID',
      problems: [
        'DATABASE_URL: must be a postgres:// (or postgresql://) URL of the Postgres server',
        'KAFKA_BROKERS: is required (not set)',
        'PORT: must be a port number',
      ],
    });
  }, 30_000);
});
