import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runRecipes } from '../runner';

const dir = mkdtempSync(join(tmpdir(), 'shipshape-or-int-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openrewrite recipe with real Maven', () => {
  it('runs the pinned rewrite-maven-plugin over a checkout; a second run changes nothing', async () => {
    cpSync(join(__dirname, '__fixtures__', 'maven-app'), dir, { recursive: true });
    const rules = [{ recipe: 'openrewrite', options: { recipe: 'org.openrewrite.java.OrderImports', pluginVersion: '6.46.1' } }];
    const first = await runRecipes(dir, rules);
    expect(first.changes.map((c) => c.path)).toEqual(['src/main/java/demo/App.java']);
    expect(readFileSync(join(dir, 'src/main/java/demo/App.java'), 'utf8')).toContain('import java.util.ArrayList;\nimport java.util.List;\n');
    const second = await runRecipes(dir, rules);
    expect(second.changes).toEqual([]);
  }, 600_000);
});
