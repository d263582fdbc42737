/** How many tests passed, failed and were skipped, as the test tool's own summary says. */
export interface TestCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

/** What the local driver writes into the test log before re-running the tests. */
export const RERUN_MARKER = '# shipshape: re-running the tests';

const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));

/**
 * Reads the counts of the last test run in a test log from the summary lines of Maven Surefire /
 * Failsafe (`Tests run: 12, Failures: 1, Errors: 0, Skipped: 2`, one per module, summed), Gradle
 * (`12 tests completed, 1 failed, 2 skipped`), node --test (`# pass 5`), Jest (`Tests: 1 failed, 5 passed`),
 * Vitest (`Tests  1 failed | 5 passed (6)`) and Mocha (`5 passing`). Null when none of them is there.
 */
export function summarizeTestLog(log: string): TestCounts | null {
  const last = log.slice(log.lastIndexOf(RERUN_MARKER) === -1 ? 0 : log.lastIndexOf(RERUN_MARKER));
  const text = last.replace(/\x1b\[[0-9;]*m/g, ''); // colours

  // Surefire: the per-module summary lines (the per-class ones end with "Time elapsed ... - in Class").
  const surefire = [...text.matchAll(/^\[(?:INFO|WARNING|ERROR)\] Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)\s*$/gm)];
  if (surefire.length > 0) {
    const sum = surefire.reduce((a, m) => ({ run: a.run + n(m[1]), failed: a.failed + n(m[2]) + n(m[3]), skipped: a.skipped + n(m[4]) }), { run: 0, failed: 0, skipped: 0 });
    return { passed: sum.run - sum.failed - sum.skipped, failed: sum.failed, skipped: sum.skipped };
  }
  const gradle = /^(\d+) tests? completed(?:, (\d+) failed)?(?:, (\d+) skipped)?/m.exec(text);
  if (gradle) return { passed: n(gradle[1]) - n(gradle[2]) - n(gradle[3]), failed: n(gradle[2]), skipped: n(gradle[3]) };
  const nodePass = /^[#ℹ] pass (\d+)$/m.exec(text);
  if (nodePass) {
    const fail = /^[#ℹ] fail (\d+)$/m.exec(text);
    const skip = /^[#ℹ] skipped (\d+)$/m.exec(text);
    const todo = /^[#ℹ] todo (\d+)$/m.exec(text);
    return { passed: n(nodePass[1]), failed: n(fail?.[1]), skipped: n(skip?.[1]) + n(todo?.[1]) };
  }
  const jest = /^Tests:\s+(.*\d+ total)$/m.exec(text);
  if (jest) {
    const part = (word: string) => n(new RegExp(`(\\d+) ${word}`).exec(jest[1]!)?.[1]);
    return { passed: part('passed'), failed: part('failed'), skipped: part('skipped') + part('todo') };
  }
  const vitest = /^\s*Tests\s+(.*)\(\d+\)\s*$/m.exec(text);
  if (vitest) {
    const part = (word: string) => n(new RegExp(`(\\d+) ${word}`).exec(vitest[1]!)?.[1]);
    return { passed: part('passed'), failed: part('failed'), skipped: part('skipped') + part('todo') };
  }
  const mocha = /^\s*(\d+) passing/m.exec(text);
  if (mocha) return { passed: n(mocha[1]), failed: n(/^\s*(\d+) failing/m.exec(text)?.[1]), skipped: n(/^\s*(\d+) pending/m.exec(text)?.[1]) };
  return null;
}
