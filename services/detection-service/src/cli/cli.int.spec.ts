import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_GROUP, buildMavenRepo } from '../testing/maven-repo.fixture';

const repoRoot = join(__dirname, '..', '..', '..', '..');
const fixtures = join(repoRoot, 'libs/manifests/src/__fixtures__');

/** Runs the real `shipshape` dispatcher (cli/bin), which spawns detection-service's compiled CLI. */
function shipshape(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'cli/bin/shipshape.js'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The dispatcher runs dist/cli.js: compile it from the current sources (incremental, fast when up to date).
  execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-b', join(repoRoot, 'services/detection-service/tsconfig.json')]);
}, 120_000);

describe('shipshape inventory scan', () => {
  it('prints each component with its version and where it is declared', () => {
    const r = shipshape('inventory', 'scan', join(fixtures, 'maven-multimodule'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.find((l) => l.includes('com.acme:rpc-client') && l.includes('api/pom.xml:16'))).toMatch(
      /^maven\s+com\.acme:rpc-client\s+1\.4\.2\s+api\/pom\.xml:16\s+dependency-management; via dependencyManagement in pom\.xml; version at pom\.xml:25; compile$/,
    );
    expect(lines.find((l) => l.includes('micrometer'))).toContain('PROBLEM undefined property micrometer.version');
    expect(lines.at(-1)).toBe('14 declarations (14 direct, 0 transitive) in 4 manifests; 0 unreadable');
  });

  it('--json gives the declarations, manifests and errors', () => {
    const r = shipshape('inventory', 'scan', join(fixtures, 'npm-app'), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { manifests: string[]; components: { name: string; version: string; direct: boolean; declaredAt: { file: string; line: number } }[]; errors: unknown[] };
    expect(out.manifests).toEqual(['package-lock.json', 'package.json']);
    expect(out.errors).toEqual([]);
    expect(out.components.find((c) => c.name === 'express')).toMatchObject({ version: '4.18.3', direct: true, declaredAt: { file: 'package.json', line: 10 } });
    expect(out.components.filter((c) => !c.direct)).toHaveLength(4);
  });

  it('names file and line of an unreadable manifest, lists the rest, exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inventory-cli-'));
    try {
      cpSync(join(fixtures, 'docker'), dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{\n  "dependencies": {\n    "a": "1.0",\n  }\n}\n');
      const r = shipshape('inventory', 'scan', dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('package.json:4: expected a string\n');
      expect(r.stdout).toContain('eclipse-temurin');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--resolve adds the full Maven tree resolved by Maven itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inventory-cli-mvn-'));
    try {
      const mavenRepo = buildMavenRepo(dir);
      const project = join(dir, 'project');
      mkdirSync(project);
      writeFileSync(join(project, 'pom.xml'), `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n  <artifactId>billing</artifactId>\n  <version>1.0.0</version>\n  <repositories><repository><id>fixture</id><url>${mavenRepo}</url></repository></repositories>\n  <dependencies>\n    <dependency><groupId>${FIXTURE_GROUP}</groupId><artifactId>legacy-lib</artifactId><version>1.0.0</version></dependency>\n  </dependencies>\n</project>\n`);
      const r = shipshape('inventory', 'scan', project, '--resolve');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`resolved  ${FIXTURE_GROUP}:rpc-client  1.4.0  com.acme:billing:1.0.0  transitive via ${FIXTURE_GROUP}:legacy-lib:1.0.0; compile`);
      expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('2 resolved by Maven (1 transitive)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad usage with exit code 2', () => {
    expect(shipshape('inventory', 'scan').code).toBe(2);
    expect(shipshape('inventory', 'scan', '/definitely/not/here').stderr).toContain('not a directory');
    expect(shipshape('inventory', 'frobnicate').code).toBe(2);
  });
});
