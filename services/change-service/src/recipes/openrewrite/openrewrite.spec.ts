import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry } from '../registry';
import { runRecipes } from '../runner';
import { rewriteArgs, RewriteFailedError, type RewriteRunner } from './run';

const fixture = join(__dirname, '__fixtures__', 'maven-app');
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const copy = () => {
  const d = mkdtempSync(join(tmpdir(), 'shipshape-or-'));
  dirs.push(d);
  cpSync(fixture, d, { recursive: true });
  return d;
};
const app = 'src/main/java/demo/App.java';
const rule = { recipe: 'openrewrite', options: { recipe: 'org.openrewrite.java.OrderImports', pluginVersion: '6.46.1' } };

/** Stands in for Maven in unit tests: edits the checkout like the tool would, and records the arguments. */
function fakeRewrite(calls: string[][]): RewriteRunner {
  return async (root, args) => {
    calls.push([...args]);
    const path = join(root, app);
    writeFileSync(path, readFileSync(path, 'utf8').replace('import java.util.List;\nimport java.util.ArrayList;', 'import java.util.ArrayList;\nimport java.util.List;'));
  };
}

describe('openrewrite recipe (runner injected)', () => {
  it('passes the pinned plugin version, recipe, artifacts and config; reports every file the tool changed', async () => {
    const calls: string[][] = [];
    const dir = copy();
    const result = await runRecipes(dir, [{ ...rule, options: { ...rule.options, recipeArtifactCoordinates: 'org.openrewrite.recipe:rewrite-migrate-java:3.42.1' } }], { registry: createRegistry({ rewriteRunner: fakeRewrite(calls) }) });
    expect(calls).toEqual([
      [
        'org.openrewrite.maven:rewrite-maven-plugin:6.46.1:run',
        '-Drewrite.activeRecipes=org.openrewrite.java.OrderImports',
        '-Drewrite.recipeArtifactCoordinates=org.openrewrite.recipe:rewrite-migrate-java:3.42.1',
        '-Drewrite.exportDatatables=false',
      ],
    ]);
    expect(result.report).toEqual([{ file: app, subject: 'org.openrewrite.java.OrderImports', outcome: 'updated', detail: 'openrewrite changed the file' }]);
    expect(result.diff).toContain('-import java.util.List;\n import java.util.ArrayList;\n+import java.util.List;\n');
  });

  it('a dry run works on a copy and leaves the checkout as it was; file recipes before it are applied first', async () => {
    const dir = copy();
    const before = readFileSync(join(dir, 'pom.xml'), 'utf8');
    const result = await runRecipes(dir, [{ recipe: 'jdk', options: { toVersion: '21' } }, rule], { dryRun: true, registry: createRegistry({ rewriteRunner: fakeRewrite([]) }) });
    expect(result.changes.map((c) => c.path).sort()).toEqual(['pom.xml', app]);
    expect(readFileSync(join(dir, 'pom.xml'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, app), 'utf8')).toContain('import java.util.List;\nimport java.util.ArrayList;');
  });

  it('is not applicable without a pom.xml, and a Maven failure is an error', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'shipshape-or-'));
    dirs.push(empty);
    const none = await runRecipes(empty, [rule], { registry: createRegistry({ rewriteRunner: fakeRewrite([]) }) });
    expect(none).toMatchObject({ applicable: false, report: [{ outcome: 'not-found' }] });
    const failing: RewriteRunner = async () => {
      throw new RewriteFailedError('rewrite-maven-plugin failed: [ERROR] Could not resolve', true);
    };
    await expect(runRecipes(copy(), [rule], { registry: createRegistry({ rewriteRunner: failing }) })).rejects.toMatchObject({ code: 'CHANGE.RECIPE_FAILED' });
    expect(rewriteArgs({ recipe: 'a.B', pluginVersion: '6.1.0' }, '/tmp/rewrite.yml')).toContain('-Drewrite.configLocation=/tmp/rewrite.yml');
  });
});
