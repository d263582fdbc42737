import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyFailure, decideAfterRerun, extractCompilerErrors, extractFailingTests } from './failure.classifier';
import { SIGNATURES, type FailureClass, type Phase } from './signatures';

/** Real output of the tools, captured by `__fixtures__/capture.sh` and trimmed to the relevant lines. */
function fixture(name: string): string {
  return readFileSync(join(__dirname, '__fixtures__', `${name}.log`), 'utf8');
}

interface Case {
  readonly fixture: string;
  readonly phase: Phase;
  readonly exitCode: number;
  readonly errorClass: FailureClass;
  readonly signature: string;
}

const CASES: readonly Case[] = [
  { fixture: 'tool-absent-mvn', phase: 'build', exitCode: 127, errorClass: 'ENV_CONFIG', signature: 'shell.command-not-found' },
  { fixture: 'maven-network-refused', phase: 'build', exitCode: 1, errorClass: 'TRANSIENT', signature: 'maven.transfer-connection-failed' },
  { fixture: 'npm-network-refused', phase: 'build', exitCode: 1, errorClass: 'TRANSIENT', signature: 'npm.network-error' },
  { fixture: 'maven-missing-dependency', phase: 'build', exitCode: 1, errorClass: 'DEPENDENCY_RESOLUTION', signature: 'maven.artifact-not-found' },
  { fixture: 'maven-offline-missing', phase: 'build', exitCode: 1, errorClass: 'DEPENDENCY_RESOLUTION', signature: 'maven.artifact-not-found' },
  { fixture: 'npm-missing-dependency', phase: 'build', exitCode: 1, errorClass: 'DEPENDENCY_RESOLUTION', signature: 'npm.package-not-found' },
  { fixture: 'maven-compile-error', phase: 'build', exitCode: 1, errorClass: 'COMPILE_ERROR', signature: 'maven.compilation-failure' },
  { fixture: 'javac-compile-error', phase: 'build', exitCode: 1, errorClass: 'COMPILE_ERROR', signature: 'javac.error' },
  { fixture: 'tsc-compile-error', phase: 'build', exitCode: 2, errorClass: 'COMPILE_ERROR', signature: 'tsc.error' },
  { fixture: 'node-syntax-error', phase: 'start', exitCode: 1, errorClass: 'COMPILE_ERROR', signature: 'node.syntax-error' },
  { fixture: 'maven-test-failure', phase: 'test', exitCode: 1, errorClass: 'TEST_FAILURE', signature: 'surefire.test-failures' },
  { fixture: 'node-test-failure', phase: 'test', exitCode: 1, errorClass: 'TEST_FAILURE', signature: 'node-test.tap-not-ok' },
  { fixture: 'node-test-failure-spec', phase: 'test', exitCode: 1, errorClass: 'TEST_FAILURE', signature: 'node-test.spec-failing' },
  { fixture: 'java-port-in-use', phase: 'start', exitCode: 1, errorClass: 'ENV_CONFIG', signature: 'java.address-in-use' },
  { fixture: 'node-port-in-use', phase: 'start', exitCode: 1, errorClass: 'ENV_CONFIG', signature: 'node.address-in-use' },
  { fixture: 'node-missing-variable', phase: 'start', exitCode: 1, errorClass: 'ENV_CONFIG', signature: 'app.missing-variable' },
  { fixture: 'npm-ci-no-lockfile', phase: 'build', exitCode: 1, errorClass: 'ENV_CONFIG', signature: 'npm.ci-without-lockfile' },
];

describe('classifyFailure on real tool output', () => {
  it.each(CASES)('$fixture → $errorClass ($signature)', ({ fixture: name, phase, exitCode, errorClass, signature }) => {
    const result = classifyFailure({ phase, exitCode, timedOut: false, log: fixture(name) });

    expect(result).toMatchObject({ errorClass, signature });
  });

  it('has a fixture case for every signature in the table', () => {
    expect(new Set(CASES.map((c) => c.signature))).toEqual(new Set(SIGNATURES.map((s) => s.id)));
  });

  it('counts a killed phase as TIMEOUT whatever its log says', () => {
    const result = classifyFailure({ phase: 'test', exitCode: null, timedOut: true, log: fixture('maven-test-failure') });

    expect(result).toMatchObject({ errorClass: 'TIMEOUT', signature: 'timeout' });
    expect(result.failingTests).toEqual(['com.example.AppTest.greets', 'com.example.AppTest.crashes']);
  });

  it('counts a health check that never answered as ENV_CONFIG, unless the start log says more', () => {
    expect(classifyFailure({ phase: 'health', exitCode: null, timedOut: true, log: '' })).toMatchObject({ errorClass: 'ENV_CONFIG', signature: 'health.never-answered' });
    expect(classifyFailure({ phase: 'health', exitCode: null, timedOut: true, log: fixture('node-missing-variable') })).toMatchObject({
      errorClass: 'ENV_CONFIG',
      signature: 'app.missing-variable',
    });
  });

  it('does not take a refused connection inside the running app for a platform blip', () => {
    const result = classifyFailure({ phase: 'smoke', exitCode: 1, timedOut: false, log: fixture('npm-network-refused') });

    expect(result).toMatchObject({ errorClass: 'TEST_FAILURE', signature: 'fallback.smoke' });
  });

  it('needs exit 127 for "not found" to mean an absent tool', () => {
    const result = classifyFailure({ phase: 'build', exitCode: 1, timedOut: false, log: fixture('tool-absent-mvn') });

    expect(result.signature).toBe('fallback.build');
  });

  it('falls back by phase when nothing matches', () => {
    expect(classifyFailure({ phase: 'health', exitCode: null, timedOut: false, log: '' })).toMatchObject({ errorClass: 'ENV_CONFIG', signature: 'fallback.health' });
    expect(classifyFailure({ phase: 'clone', exitCode: 128, timedOut: false, log: 'fatal: ...' })).toMatchObject({ errorClass: 'TRANSIENT' });
  });
});

describe('failing tests and compiler errors', () => {
  it('names the failing JUnit 5 tests from Surefire', () => {
    expect(extractFailingTests(fixture('maven-test-failure'))).toEqual(['com.example.AppTest.greets', 'com.example.AppTest.crashes']);
  });

  it('names the failing node --test tests (TAP and spec reporters)', () => {
    expect(extractFailingTests(fixture('node-test-failure'))).toEqual(['greets']);
    expect(extractFailingTests(fixture('node-test-failure-spec'))).toEqual(['greets']);
  });

  it('lists the first compiler errors once each (Maven prints them twice)', () => {
    expect(extractCompilerErrors(fixture('maven-compile-error'))).toEqual([
      '/tmp/tmp.YBUvKT9Fwc/m-compile/src/main/java/com/example/App.java:1:79: incompatible types: int cannot be converted to java.lang.String',
    ]);
    expect(extractCompilerErrors(fixture('javac-compile-error'))).toEqual([
      'Broken.java:1: incompatible types: String cannot be converted to int',
      'Broken.java:1: cannot find symbol',
    ]);
    expect(extractCompilerErrors(fixture('tsc-compile-error'))).toEqual(["index.ts:1:7: TS2322: Type 'string' is not assignable to type 'number'."]);
    expect(extractCompilerErrors(fixture('node-syntax-error'))).toEqual(["/tmp/tmp.YBUvKT9Fwc/n-syntax/server.js:1: SyntaxError: Unexpected token ';'"]);
  });
});

describe('decideAfterRerun', () => {
  const failed = classifyFailure({ phase: 'test', exitCode: 1, timedOut: false, log: fixture('node-test-failure') });

  it('makes a failure that passed on re-run TEST_FLAKY, keeping the test names', () => {
    expect(decideAfterRerun(failed, true)).toMatchObject({ errorClass: 'TEST_FLAKY', signature: 'flaky-rerun', failingTests: ['greets'] });
  });

  it('keeps TEST_FAILURE when the re-run failed too', () => {
    expect(decideAfterRerun(failed, false)).toBe(failed);
  });
});
