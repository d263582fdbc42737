import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedLines } from '../shared/changed-lines';
import { jdkRecipe } from './index';

const read = (p: string) => readFileSync(join(__dirname, '__fixtures__', p), 'utf8');
const run = (path: string, content = read(path), toVersion = '21') => jdkRecipe.apply(content, { toVersion }, { path });

describe('jdk recipe', () => {
  it('sets the Maven java.version property and compiler release, leaving ${} references alone', () => {
    const { content, report } = run('pom.xml');
    expect(changedLines(read('pom.xml'), content!)).toEqual([9, 22]);
    expect(content).toContain('<java.version>21</java.version>');
    expect(content).toContain('<release>21</release>');
    expect(report.map((r) => [r.subject, r.from, r.outcome])).toEqual([
      ['java.version', '1.8', 'updated'],
      ['maven-compiler-plugin release', '11', 'updated'],
    ]);
  });

  it('moves JDK base images, keeping the image flavour', () => {
    const { content } = run('Dockerfile');
    expect(changedLines(read('Dockerfile'), content!)).toEqual([1, 5]);
    expect(content).toContain('FROM maven:3.9.6-eclipse-temurin-21 AS build\n');
    expect(content).toContain('FROM eclipse-temurin:21-jre-jammy\n');
  });

  it('sets Gradle toolchains and .java-version', () => {
    const kts = run('build.gradle.kts');
    expect(changedLines(read('build.gradle.kts'), kts.content!)).toEqual([8, 13]);
    expect(run('.java-version').content).toBe('21\n');
    expect(run('build.gradle', "sourceCompatibility = '1.8'\ntargetCompatibility = JavaVersion.VERSION_1_8\n").content).toBe(
      "sourceCompatibility = '21'\ntargetCompatibility = JavaVersion.VERSION_21\n",
    );
  });

  it('never downgrades and does not modify twice', () => {
    expect(run('.java-version', '21\n', '17').report[0]).toMatchObject({ outcome: 'skipped', reason: 'newer-than-target' });
    for (const f of ['pom.xml', 'Dockerfile', 'build.gradle.kts', '.java-version']) {
      const once = run(f).content!;
      expect(run(f, once).content, f).toBeNull();
    }
  });
});
