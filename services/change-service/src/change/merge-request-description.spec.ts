import { TEST_RESULT_EXTRA_KEYS as K } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { describeTestResults } from './change-step.executor';

describe("the merge request's test results section", () => {
  it('shows the run\'s test-verify results task-manager passed: command, counts, duration, environment, log link', () => {
    const text = describeTestResults({
      [K.command]: 'mvn -B test',
      [K.passed]: '12',
      [K.failed]: '0',
      [K.skipped]: '1',
      [K.durationMs]: '4200',
      [K.environmentId]: 'env-7',
      [K.url]: 'http://test-env/api/environments/env-7/logs/test',
      'release.bakeMs': '100',
    });
    expect(text).toBe(
      [
        '| command | passed | failed | skipped | duration | test environment |',
        '|---|---|---|---|---|---|',
        '| `mvn -B test` | 12 | 0 | 1 | 4.2 s | env-7 |',
        '',
        'The test-verify stage passed. [Test log](http://test-env/api/environments/env-7/logs/test)',
      ].join('\n'),
    );
  });

  it('marks what was not reported, and escapes table cells', () => {
    const text = describeTestResults({ [K.command]: 'npm test | tee out', [K.environmentId]: 'env-1' });
    expect(text).toContain('| `npm test \\| tee out` | ? | ? | ? | ? | env-1 |');
    expect(text).not.toContain('Test log');
  });

  it('says so when no results came', () => {
    expect(describeTestResults({ 'release.bakeMs': '1' })).toBe("(no test results reported; see the run's test-verify stage)");
  });
});
