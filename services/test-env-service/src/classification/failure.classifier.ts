import type { ErrorClass } from '@shipshape/contracts';
import { PHASE_FALLBACK, SIGNATURES, type FailureClass, type Phase, type Signature } from './signatures';

/** How a command of one phase ended. */
export interface PhaseOutcome {
  readonly phase: Phase;
  /** Exit status; null when killed by a signal or never started. */
  readonly exitCode: number | null;
  /** The phase ran past its timeout and was killed. */
  readonly timedOut: boolean;
  /** Combined stdout/stderr (or its tail). */
  readonly log: string;
}

export interface Classification {
  /** One of the FailureClass values when decided from a log; INTERNAL for the platform's own problems. */
  readonly errorClass: FailureClass | Extract<ErrorClass, 'INTERNAL'>;
  /** Id of the signature that decided, `timeout`, `flaky-rerun`, or `fallback.<phase>` when none matched. */
  readonly signature: string;
  readonly summary: string;
  /** Failing test names as the tool reports them (at most MAX_ITEMS). */
  readonly failingTests: readonly string[];
  /** First compiler errors, one line each (at most MAX_ITEMS). */
  readonly compilerErrors: readonly string[];
}

export const MAX_ITEMS = 10;

const ANSI = /\x1b\[[0-9;]*m/g;

/** Decides the error class of a failed phase from its exit status and log, first matching signature of the table wins. */
export function classifyFailure(outcome: PhaseOutcome, table: readonly Signature[] = SIGNATURES): Classification {
  const log = outcome.log.replace(ANSI, '');
  const failingTests = extractFailingTests(log);
  const compilerErrors = extractCompilerErrors(log);
  // A health check that never answers is the environment's configuration (health path, port), not a slow platform.
  if (outcome.timedOut && outcome.phase !== 'health') {
    return { errorClass: 'TIMEOUT', signature: 'timeout', summary: `the ${outcome.phase} phase exceeded its timeout`, failingTests, compilerErrors };
  }
  const match = table.find(
    (s) => s.phases.includes(outcome.phase) && (s.exitCode === undefined || s.exitCode === outcome.exitCode) && s.pattern.test(log),
  );
  if (match) return { errorClass: match.errorClass, signature: match.id, summary: match.summary, failingTests, compilerErrors };
  if (outcome.phase === 'health' && outcome.timedOut) {
    return { errorClass: 'ENV_CONFIG', signature: 'health.never-answered', summary: 'the health path never answered 2xx', failingTests, compilerErrors };
  }
  return {
    errorClass: PHASE_FALLBACK[outcome.phase],
    signature: `fallback.${outcome.phase}`,
    summary: `the ${outcome.phase} phase failed (exit ${outcome.exitCode ?? 'signal'}) without a known signature`,
    failingTests,
    compilerErrors,
  };
}

/**
 * A failed test phase was re-run once: when the re-run passed, the failure was flaky (TEST_FLAKY, retryable);
 * otherwise the first classification stands.
 */
export function decideAfterRerun(first: Classification, rerunPassed: boolean): Classification {
  if (!rerunPassed || first.errorClass !== 'TEST_FAILURE') return first;
  return { ...first, errorClass: 'TEST_FLAKY', signature: 'flaky-rerun', summary: 'tests failed and passed when re-run once' };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)].slice(0, MAX_ITEMS);
}

function all(log: string, pattern: RegExp, pick: (m: RegExpExecArray) => string): string[] {
  const out: string[] = [];
  for (const m of log.matchAll(pattern)) out.push(pick(m));
  return out;
}

/** Surefire (JUnit 4/5), node --test TAP and spec reporters. */
export function extractFailingTests(log: string): string[] {
  const surefire = all(log, /^\[ERROR\] ([\w.$]+)\.([\w$]+)(?:\(\))? -- Time elapsed: .*<<< (?:FAILURE|ERROR)!$/gm, (m) => `${m[1]}.${m[2]}`);
  const surefireOld = all(log, /^\[ERROR\] ([\w$]+)\(([\w.$]+)\)\s+Time elapsed: .*<<< (?:FAILURE|ERROR)!$/gm, (m) => `${m[2]}.${m[1]}`);
  const tap = all(log, /^\s*not ok \d+ - (.+?)(?: # .*)?$/gm, (m) => m[1]);
  const specSection = log.split(/^✖ failing tests:$/m)[1] ?? '';
  const spec = all(specSection, /^✖ (.+?) \([\d.]+ms\)$/gm, (m) => m[1]);
  return unique([...surefire, ...surefireOld, ...tap, ...spec]);
}

/** Maven compiler plugin, javac, tsc and Node syntax errors. */
export function extractCompilerErrors(log: string): string[] {
  const maven = all(log, /^\[ERROR\] (\S+\.(?:java|kt|scala|groovy)):\[(\d+),(\d+)\] (.+)$/gm, (m) => `${m[1]}:${m[2]}:${m[3]}: ${m[4]}`);
  const javac = all(log, /^(\S+\.java):(\d+): error: (.+)$/gm, (m) => `${m[1]}:${m[2]}: ${m[3]}`);
  const tsc = all(log, /^(\S+)\((\d+),(\d+)\): error (TS\d+: .+)$/gm, (m) => `${m[1]}:${m[2]}:${m[3]}: ${m[4]}`);
  const syntax = all(log, /^(\S+\.[cm]?js):(\d+)\n[\s\S]*?^(SyntaxError: .+)$/gm, (m) => `${m[1]}:${m[2]}: ${m[3]}`);
  return unique([...maven, ...javac, ...tsc, ...syntax]);
}
