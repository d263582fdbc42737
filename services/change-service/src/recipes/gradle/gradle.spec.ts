import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedLines } from '../shared/changed-lines';
import { gradleRecipe } from './index';
import type { GradleOptions } from './schema';
import { scanGradle } from './update';

const read = (p: string) => ({ path: p, content: readFileSync(join(__dirname, '__fixtures__', p), 'utf8') });
const groovy = [read('groovy/build.gradle'), read('groovy/gradle.properties')];
const kotlin = [read('kotlin/build.gradle.kts'), read('kotlin/gradle/libs.versions.toml')];

function runAll(files: { path: string; content: string }[], options: GradleOptions) {
  const scan = scanGradle(files);
  return files.map((f) => ({ ...f, result: gradleRecipe.apply(f.content, options, { path: f.path, scan }) }));
}

describe('gradle recipe', () => {
  it('edits the gradle.properties value a build.gradle dependency refers to', () => {
    const [build, props] = runAll(groovy, { groupId: 'com.acme.rpc', artifactId: 'rpc-client', toVersion: '2.0.0' });
    expect(build!.result.content).toBeNull();
    expect(build!.result.report).toEqual([expect.objectContaining({ outcome: 'updated', from: '1.8.2', line: 20, detail: 'dependency via rpcClientVersion in groovy/gradle.properties' })]);
    expect(changedLines(props!.content, props!.result.content!)).toEqual([3]);
    expect(props!.result.content).toContain('rpcClientVersion=2.0.0\n');
  });

  it('edits ext properties, map notation, string notation and plugins, one token each', () => {
    const cases: [GradleOptions, number[]][] = [
      [{ groupId: 'io.github.resilience4j', artifactId: 'resilience4j-spring-boot3', toVersion: '2.2.0' }, [11]],
      [{ groupId: 'org.apache.commons', artifactId: 'commons-lang3', toVersion: '3.14.0' }, [22]],
      [{ groupId: 'com.google.guava', artifactId: 'guava', toVersion: '33.2.0-jre' }, [23]],
      [{ groupId: 'org.springframework.boot', artifactId: 'org.springframework.boot.gradle.plugin', toVersion: '3.3.0' }, [3]],
    ];
    for (const [options, lines] of cases) {
      const [build] = runAll(groovy, options);
      expect(changedLines(build!.content, build!.result.content!), options.artifactId).toEqual(lines);
      expect(build!.result.content).toContain(options.toVersion);
    }
  });

  it('edits the version catalog (version.ref and inline) and a Kotlin val', () => {
    const [kts, toml] = runAll(kotlin, { groupId: 'com.acme.rpc', artifactId: '*', toVersion: '2.0.0' });
    expect(kts!.result.content).toBeNull();
    expect(changedLines(toml!.content, toml!.result.content!)).toEqual([2]);
    expect(toml!.result.content).toContain('rpc = "2.0.0"   # platform team pins this\n');
    expect(toml!.result.report.map((r) => [r.subject, r.outcome])).toEqual([
      ['com.acme.rpc:rpc-client', 'updated'],
      ['com.acme.rpc:rpc-server', 'updated'],
    ]);
    const [, inline] = runAll(kotlin, { groupId: 'org.apache.commons', artifactId: 'commons-lang3', toVersion: '3.14.0' });
    expect(changedLines(inline!.content, inline!.result.content!)).toEqual([8]);
    const [val] = runAll(kotlin, { groupId: 'com.fasterxml.jackson.core', artifactId: 'jackson-databind', toVersion: '2.17.1' });
    expect(changedLines(val!.content, val!.result.content!)).toEqual([6]);
  });

  it('reports skips: BOM-managed, dynamic versions, undefined properties; does not modify twice', () => {
    expect(runAll(kotlin, { groupId: 'org.junit.jupiter', artifactId: 'junit-jupiter', toVersion: '5.11.0' })[0]!.result.report).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'managed-by-bom' }),
    ]);
    expect(runAll(groovy, { groupId: 'com.acme.metrics', artifactId: 'metrics-core', toVersion: '2.0.0' })[0]!.result.report[0]).toMatchObject({ outcome: 'skipped', reason: 'version-range' });
    const noProps = [groovy[0]!];
    expect(runAll(noProps, { groupId: 'com.acme.rpc', artifactId: 'rpc-client', toVersion: '2.0.0' })[0]!.result.report[0]).toMatchObject({ outcome: 'skipped', reason: 'undefined-property' });
    const once = runAll(kotlin, { groupId: 'com.acme.rpc', artifactId: '*', toVersion: '2.0.0' }).map((f) => ({ path: f.path, content: f.result.content ?? f.content }));
    const twice = runAll(once, { groupId: 'com.acme.rpc', artifactId: '*', toVersion: '2.0.0' });
    expect(twice.every((f) => f.result.content === null)).toBe(true);
    expect(twice[1]!.result.report.every((r) => r.outcome === 'already-at-target')).toBe(true);
  });
});
