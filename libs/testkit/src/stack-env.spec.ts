import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStackEnv } from './stack-env';

describe('readStackEnv', () => {
  it('reads the export lines the stack scripts write, ignoring comments', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'stack-env-')), 'stack.env');
    writeFileSync(file, '# Written by scripts/stack/up.sh\nexport KAFKA_BROKERS=127.0.0.1:9092\nexport DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"\n');

    expect(readStackEnv(file)).toEqual({ KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' });
  });

  it('gives nothing when the stack was never brought up', () => {
    expect(readStackEnv(path.join(tmpdir(), 'no-such-dir', 'stack.env'))).toEqual({});
  });
});
