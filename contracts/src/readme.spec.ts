import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const contractsRoot = resolve(__dirname, '..');
const repoRoot = resolve(contractsRoot, '..');

describe('contracts/README.md', () => {
  it('its TypeScript example runs against the sources', { timeout: 60_000 }, () => {
    const readme = readFileSync(join(contractsRoot, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    const source = blocks
      .join('\n')
      .replace(/from '@shipshape\/contracts'/g, `from ${JSON.stringify(join(contractsRoot, 'src/index.ts'))}`);
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, `${source}\nconsole.log(JSON.stringify({ eventType: event.eventType }));\n`);
      const run = spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [file], { cwd: repoRoot, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual({ eventType: 'StepResult' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
