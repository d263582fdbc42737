import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecipeInputError } from '../errors';
import { changedLines } from '../shared/changed-lines';
import { mavenRecipe } from './index';
import { scanPoms } from './update';

const fixture = (p: string) => readFileSync(join(__dirname, '__fixtures__', p), 'utf8');
const run = (content: string, groupId: string, artifactId: string, toVersion: string, path = 'pom.xml') =>
  mavenRecipe.apply(content, { groupId, artifactId, toVersion }, { path });

describe('maven recipe', () => {
  const pom = fixture('pom.xml');

  it('edits the property that holds a dependency version and nothing else', () => {
    const { content, report } = run(pom, 'com.acme.rpc', 'rpc-client', '2.0.0');
    expect(changedLines(pom, content!)).toEqual([20]);
    expect(content!.split('\n')[19]).toBe('\t\t<rpc-client.version>2.0.0</rpc-client.version>');
    expect(report).toEqual([
      expect.objectContaining({ subject: 'com.acme.rpc:rpc-client', outcome: 'updated', from: '1.8.2', to: '2.0.0', line: 46 }),
    ]);
  });

  it('edits a direct version, a dependencyManagement entry, a BOM import (via property), a plugin and the parent', () => {
    const cases: [string, string, string, number[]][] = [
      ['org.apache.commons', 'commons-lang3', '3.14.0', [62]],
      ['com.acme.common', 'acme-logging', '1.0.0', [36]],
      ['io.github.resilience4j', 'resilience4j-bom', '2.2.0', [21]],
      ['org.apache.maven.plugins', 'maven-surefire-plugin', '3.2.5', [89]],
      ['org.springframework.boot', 'spring-boot-starter-parent', '3.3.0', [8]],
    ];
    for (const [g, a, v, lines] of cases) {
      const { content, report } = run(pom, g, a, v);
      expect(changedLines(pom, content!), `${g}:${a}`).toEqual(lines);
      expect(content!).toContain(`${v}<`);
      expect(report.filter((r) => r.outcome === 'updated')).toHaveLength(1);
    }
  });

  it('reports skips as typed reasons: version range, undefined property, managed by the outside parent', () => {
    expect(run(pom, 'com.google.guava', 'guava', '33.2.0-jre')).toEqual({
      content: null,
      report: [expect.objectContaining({ outcome: 'skipped', reason: 'version-range', from: '[31.0,33.0)' })],
    });
    expect(run(pom, 'com.acme.metrics', 'metrics-core', '2.0.0').report).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'managed-by-parent-outside-repo' }),
    ]);
    expect(run(pom, 'com.fasterxml.jackson.datatype', 'jackson-datatype-jsr310', '2.17.0').report).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'managed-by-parent-outside-repo' }),
    ]);
    const noParent = pom.replace(/<parent>[\s\S]*?<\/parent>/, '');
    expect(run(noParent, 'com.acme.metrics', 'metrics-core', '2.0.0').report).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'undefined-property' }),
    ]);
  });

  it('does not modify a pom that is already at the target, or that does not use the artifact', () => {
    const once = run(pom, 'com.acme.rpc', 'rpc-client', '2.0.0').content!;
    expect(run(once, 'com.acme.rpc', 'rpc-client', '2.0.0')).toEqual({
      content: null,
      report: [expect.objectContaining({ outcome: 'already-at-target' })],
    });
    expect(run(pom, 'org.example', 'absent', '1.0.0')).toEqual({
      content: null,
      report: [{ file: 'pom.xml', subject: 'org.example:absent', outcome: 'not-found' }],
    });
    expect(run(pom, 'org.apache.commons', 'commons-lang3', '3.11').report[0]).toMatchObject({ outcome: 'skipped', reason: 'newer-than-target' });
  });

  it('upgrades a multi-module build through the parent inside the repository', () => {
    const files = ['pom.xml', 'api/pom.xml', 'service/pom.xml'].map((p) => ({ path: p, content: fixture(`multi-module/${p}`) }));
    const options = { groupId: 'com.acme.rpc', artifactId: '*', toVersion: '2.0.0' };
    const scan = scanPoms(files);
    const results = files.map((f) => ({ f, r: mavenRecipe.apply(f.content, options, { path: f.path, scan }) }));
    const [parent, api, service] = results;
    expect(changedLines(parent!.f.content, parent!.r.content!)).toEqual([16]);
    expect(parent!.r.content).toContain('<rpc.version>2.0.0</rpc.version> <!-- keep in sync with platform -->');
    expect(api!.r).toEqual({ content: null, report: [{ file: 'api/pom.xml', subject: 'com.acme.rpc:*', outcome: 'not-found' }] });
    expect(service!.r.content).toBeNull();
    expect(service!.r.report).toEqual([
      expect.objectContaining({ subject: 'com.acme.rpc:rpc-server', outcome: 'updated', detail: 'dependency via property rpc.version in pom.xml' }),
    ]);
  });

  it('fails with INVALID_INPUT naming file and line on an unparseable pom', () => {
    const broken = pom.replace('</dependencies>\n\n\t<build>', '</dependencie>\n\n\t<build>');
    try {
      run(broken, 'com.acme.rpc', 'rpc-client', '2.0.0', 'svc/pom.xml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(RecipeInputError);
      expect((err as RecipeInputError).message).toBe('svc/pom.xml:79: closing tag </dependencie> does not match <dependencies>');
      expect((err as RecipeInputError).code).toBe('CHANGE.INVALID_INPUT');
    }
  });
});
