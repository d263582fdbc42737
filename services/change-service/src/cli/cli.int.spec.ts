import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(__dirname, '../../../..');
const fixtures = resolve(__dirname, '../recipes');
const dirs: string[] = [];

/** Runs the real `shipshape` dispatcher (cli/bin), which spawns change-service's compiled CLI. */
function shipshape(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'cli/bin/shipshape.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function copyFixture(rel: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-cli-'));
  dirs.push(dir);
  cpSync(join(fixtures, rel), dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  // The dispatcher runs dist/cli.js: compile it from the current sources (incremental, fast when up to date).
  execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-b', join(repoRoot, 'services/change-service/tsconfig.json')]);
}, 120_000);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('shipshape recipe (CLI, no stack)', () => {
  const maven = ['--recipe', 'maven', '--option', 'groupId=com.acme.rpc', '--option', 'artifactId=*', '--option', 'toVersion=2.0.0'];

  it('edits a checkout in place and prints the per-file, per-dependency report; a second run changes nothing', () => {
    const dir = copyFixture('maven/__fixtures__/multi-module');
    const before = readFileSync(join(dir, 'pom.xml'), 'utf8');
    const first = shipshape('recipe', 'run', dir, ...maven);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('pom.xml  com.acme.rpc:rpc-client  updated 1.8.2 -> 2.0.0 (line 21, dependencyManagement via property rpc.version)');
    expect(first.stdout).toContain('service/pom.xml  com.acme.rpc:rpc-server  updated 1.8.2 -> 2.0.0');
    expect(first.stdout).toContain('1 file(s) changed');
    expect(readFileSync(join(dir, 'pom.xml'), 'utf8')).toBe(before.replace('<rpc.version>1.8.2<', '<rpc.version>2.0.0<'));
    const second = shipshape('recipe', 'run', dir, ...maven, '--json');
    expect(second.code).toBe(0);
    const json = JSON.parse(second.stdout) as { changedFiles: string[]; report: { outcome: string }[] };
    expect(json.changedFiles).toEqual([]);
    expect(json.report.map((r) => r.outcome)).toEqual(['already-at-target', 'already-at-target']);
  });

  it('--dry-run prints the unified diff and writes nothing', () => {
    const dir = copyFixture('maven/__fixtures__/multi-module');
    const before = readFileSync(join(dir, 'pom.xml'), 'utf8');
    const r = shipshape('recipe', 'run', dir, ...maven, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--- a/pom.xml\n+++ b/pom.xml\n@@ -13,7 +13,7 @@');
    expect(r.stdout).toContain('-        <rpc.version>1.8.2</rpc.version> <!-- keep in sync with platform -->\n+        <rpc.version>2.0.0</rpc.version>');
    expect(r.stdout).toContain('1 file(s) would change');
    expect(readFileSync(join(dir, 'pom.xml'), 'utf8')).toBe(before);
  });

  it('runs a YAML rules file (npm with a real lockfile update, then docker)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-cli-npm-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'package.json'), '{\n  "name": "demo",\n  "version": "1.0.0",\n  "dependencies": {\n    "is-number": "^6.0.0"\n  }\n}\n');
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir });
    expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toMatch(/"node_modules\/is-number": \{\s*"version": "6.0.0"/);
    cpSync(join(fixtures, 'docker/__fixtures__/Dockerfile'), join(dir, 'Dockerfile'));
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - recipe: npm\n    options: { packageName: is-number, toVersion: 7.0.0 }\n  - recipe: docker\n    options:\n      image: eclipse-temurin\n      toTag: 21-jre\n');
    const r = shipshape('recipe', 'run', dir, '--rules', rules, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { changedFiles: string[]; report: object[] };
    expect(out.changedFiles).toEqual(['package.json', 'Dockerfile']);
    expect(out.report).toEqual([
      expect.objectContaining({ file: 'package.json', subject: 'is-number', outcome: 'updated', from: '^6.0.0', to: '^7.0.0' }),
      expect.objectContaining({ file: 'Dockerfile', subject: 'eclipse-temurin', outcome: 'updated', from: '17.0.10_7-jre', to: '21-jre' }),
      expect.objectContaining({ file: 'package-lock.json', subject: 'is-number', outcome: 'updated' }),
    ]);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toContain('"is-number": "^7.0.0"');
    const lock = readFileSync(join(dir, 'package-lock.json'), 'utf8');
    expect(lock).toMatch(/"node_modules\/is-number": \{\s*"version": "7.0.0"/);
    expect(lock).toMatch(/"is-number": "\^7.0.0"/);
  });

  it('exits 2 naming file and line on unparseable input, and on invalid options', () => {
    const dir = copyFixture('maven/__fixtures__/multi-module');
    writeFileSync(join(dir, 'api/pom.xml'), readFileSync(join(dir, 'api/pom.xml'), 'utf8').replace('</parent>', '</parnt>'));
    const broken = shipshape('recipe', 'run', dir, ...maven);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('CHANGE.INVALID_INPUT: api/pom.xml:8: closing tag </parnt> does not match <parent>');
    const bad = shipshape('recipe', 'run', dir, '--recipe', 'maven', '--option', 'groupId=x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/artifactId: .*toVersion: /);
    expect(shipshape('recipe', 'run', dir).code).toBe(2);
  });
});
