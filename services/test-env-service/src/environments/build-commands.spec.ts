import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleSpec } from '../testing/sample-apps';
import { buildCommand, startCommand, testCommand } from './build-commands';

const dir = mkdtempSync(join(tmpdir(), 'build-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('implied commands', () => {
  const maven = sampleSpec('repo', 'maven', { commands: { build: null, test: null, start: null } });
  const npm = sampleSpec('repo', 'npm');

  it('uses Maven batch mode, skipping tests in the build, with the configured extra arguments', () => {
    expect(buildCommand(maven, dir, { mavenArgs: '-o' })).toBe('mvn -B -o -q -DskipTests package');
    expect(buildCommand(maven, dir, { mavenArgs: '' })).toBe('mvn -B -q -DskipTests package');
    expect(testCommand(maven, { mavenArgs: '-o' })).toBe('mvn -B -o test');
    expect(startCommand(maven)).toBe('java -jar target/*.jar');
  });

  it('uses npm ci when a lockfile is there, npm install otherwise, then the build script if any', () => {
    expect(buildCommand(npm, dir, { mavenArgs: '' })).toBe('npm install --no-audit --no-fund && npm run build --if-present');
    writeFileSync(join(dir, 'package-lock.json'), '{}');
    expect(buildCommand(npm, dir, { mavenArgs: '' })).toBe('npm ci --no-audit --no-fund && npm run build --if-present');
    expect(testCommand(npm, { mavenArgs: '' })).toBe('npm test');
    expect(startCommand(npm)).toBe('npm start');
  });

  it('prefers the application commands and implies none for an unknown tool', () => {
    const custom = sampleSpec('repo', 'npm', { commands: { build: 'make', test: 'make check', start: './run' } });
    expect([buildCommand(custom, dir, { mavenArgs: '' }), testCommand(custom, { mavenArgs: '' }), startCommand(custom)]).toEqual(['make', 'make check', './run']);
    const ant = sampleSpec('repo', 'npm', { buildTool: 'ant', commands: { build: null, test: null, start: null } });
    expect([buildCommand(ant, dir, { mavenArgs: '' }), testCommand(ant, { mavenArgs: '' }), startCommand(ant)]).toEqual([null, null, null]);
  });

  it('uses the Gradle wrapper when the repository has one', () => {
    const gradle = sampleSpec('repo', 'npm', { buildTool: 'gradle', commands: { build: null, test: null, start: null } });
    expect(buildCommand(gradle, dir, { mavenArgs: '' })).toBe('gradle --no-daemon -q assemble');
    writeFileSync(join(dir, 'gradlew'), '#!/bin/sh\n');
    expect(buildCommand(gradle, dir, { mavenArgs: '' })).toBe('./gradlew --no-daemon -q assemble');
    expect(testCommand(gradle, { mavenArgs: '' }, dir)).toBe('./gradlew --no-daemon test');
  });
});
