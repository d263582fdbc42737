import { describe, expect, it } from 'vitest';
import { summarizeTestLog } from './test-summary';

describe('summarizeTestLog', () => {
  it('sums the Surefire module summaries, not the per-class lines', () => {
    const log = [
      '[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.05 s - in com.acme.ApiTest',
      '[INFO] Results:',
      '[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0',
      '[INFO] Tests run: 2, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.01 s - in com.acme.WorkerTest',
      '[WARNING] Tests run: 5, Failures: 0, Errors: 0, Skipped: 1',
    ].join('\n');
    expect(summarizeTestLog(log)).toEqual({ passed: 7, failed: 0, skipped: 1 });
  });

  it('counts only the last run after a re-run', () => {
    const log = '[ERROR] Tests run: 4, Failures: 1, Errors: 0, Skipped: 0\n\n# shipshape: re-running the tests (1/1)\n[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 0\n';
    expect(summarizeTestLog(log)).toEqual({ passed: 4, failed: 0, skipped: 0 });
  });

  it.each([
    ['node --test', '# tests 6\n# pass 5\n# fail 0\n# skipped 1\n# todo 0\n', { passed: 5, failed: 0, skipped: 1 }],
    ['node --test (spec reporter)', 'ℹ tests 2\nℹ pass 2\nℹ fail 0\n', { passed: 2, failed: 0, skipped: 0 }],
    ['jest', 'Test Suites: 2 passed, 2 total\nTests:       1 skipped, 9 passed, 10 total\n', { passed: 9, failed: 0, skipped: 1 }],
    ['vitest', ' Test Files  3 passed (3)\n      Tests  12 passed | 1 skipped (13)\n', { passed: 12, failed: 0, skipped: 1 }],
    ['mocha', '  4 passing (12ms)\n  1 pending\n', { passed: 4, failed: 0, skipped: 1 }],
    ['gradle', '10 tests completed, 2 skipped\n', { passed: 8, failed: 0, skipped: 2 }],
  ])('reads %s', (_tool, log, counts) => {
    expect(summarizeTestLog(log)).toEqual(counts);
  });

  it('says null when no summary is recognised', () => {
    expect(summarizeTestLog('all good\n')).toBeNull();
  });
});
