/**
 * The test results of a run's test-verify stage, from test-env-service to change-service through
 * task-manager, as string key/values (StepResult.details, then StepCommand.parameters.extra).
 */

/** Keys of a successful test-verify StepResult's `details` (test-env-service sets them; absent: unknown). */
export const TEST_VERIFY_DETAILS = {
  command: 'testCommand',
  passed: 'testsPassed',
  failed: 'testsFailed',
  skipped: 'testsSkipped',
  durationMs: 'testDurationMs',
  environmentId: 'environmentId',
} as const;

/**
 * Keys of StepCommand.parameters.extra with which task-manager passes those results (and the link to
 * the test log) to change-service's steps; review writes them into the merge request description.
 */
export const TEST_RESULT_EXTRA_KEYS = {
  command: 'change.testResults.command',
  passed: 'change.testResults.passed',
  failed: 'change.testResults.failed',
  skipped: 'change.testResults.skipped',
  durationMs: 'change.testResults.durationMs',
  environmentId: 'change.testResults.environmentId',
  url: 'change.testResults.url',
} as const satisfies Record<keyof typeof TEST_VERIFY_DETAILS | 'url', string>;
