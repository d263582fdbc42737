import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema } from './config/base-config.schema';

const ROOT = path.resolve(__dirname, '../../..');
const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');

/** Keeps docs/architecture.md true where it restates code. */
describe('docs/architecture.md', () => {
  it('shows main.ts exactly as change-service has it', () => {
    const main = readFileSync(path.join(ROOT, 'services/change-service/src/main.ts'), 'utf8');
    expect(doc).toContain('```ts\n' + main + '```');
  });

  it('lists every service with its port and database', () => {
    for (const s of SERVICES) expect(doc).toMatch(new RegExp(`\\| ${s.name} \\| ${s.port} \\| \`${s.database}\` \\|`));
  });

  it('documents every configuration variable', () => {
    for (const key of Object.keys(baseConfigSchema.shape)) expect(doc).toContain(`| \`${key}\` |`);
  });
});
