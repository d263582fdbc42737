/** Every failed step carries one error class; retry policy and root-cause statistics key off it (ARCHITECTURE.md). */
export const ERROR_CLASSES = [
  'TRANSIENT',
  'TIMEOUT',
  'RATE_LIMITED',
  'INTERNAL',
  'TEST_FLAKY',
  'MERGE_CONFLICT',
  'COMPILE_ERROR',
  'TEST_FAILURE',
  'DEPENDENCY_RESOLUTION',
  'ENV_CONFIG',
  'HEALTH_GATE_FAILED',
  'DETECTION_MISMATCH',
  'NOT_APPLICABLE',
  'INVALID_INPUT',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export const ROOT_CAUSES = [
  'platform',
  'new-component-incompatibility',
  'non-standard-dependency-usage',
  'outdated-component-version',
  'insufficient-test-env-config',
  'none',
] as const;
export type RootCause = (typeof ROOT_CAUSES)[number];

export interface ErrorClassPolicy {
  readonly retryable: boolean;
  /** Limit on attempts when retryable by default (undefined: the stage's retry policy decides). */
  readonly maxAttempts?: number;
  /** Retry only after the step's own remedy (e.g. rebase). */
  readonly retryAfter?: 'rebase';
  readonly rootCause: RootCause;
  readonly description: string;
}

export const ERROR_CLASS_POLICY = {
  TRANSIENT: { retryable: true, rootCause: 'platform', description: 'a dependency of the platform failed briefly' },
  TIMEOUT: { retryable: true, rootCause: 'platform', description: 'a stage or phase exceeded its deadline' },
  RATE_LIMITED: { retryable: true, rootCause: 'platform', description: 'an outside system refused for rate' },
  INTERNAL: { retryable: true, rootCause: 'platform', description: 'a bug or unexpected state in Shipshape' },
  TEST_FLAKY: { retryable: true, maxAttempts: 2, rootCause: 'platform', description: 'a test failed and passed when re-run' },
  MERGE_CONFLICT: { retryable: true, retryAfter: 'rebase', rootCause: 'platform', description: 'the branch conflicts with the default branch' },
  COMPILE_ERROR: { retryable: false, rootCause: 'new-component-incompatibility', description: 'the upgraded code does not compile' },
  TEST_FAILURE: { retryable: false, rootCause: 'new-component-incompatibility', description: 'tests fail with the new component' },
  DEPENDENCY_RESOLUTION: {
    retryable: false,
    rootCause: 'non-standard-dependency-usage',
    description: 'dependencies cannot be resolved (non-standard usage or an outdated component version)',
  },
  ENV_CONFIG: { retryable: false, rootCause: 'insufficient-test-env-config', description: 'the test environment lacks configuration' },
  HEALTH_GATE_FAILED: { retryable: false, rootCause: 'new-component-incompatibility', description: 'a gray-release gate failed; rolled back' },
  DETECTION_MISMATCH: { retryable: false, rootCause: 'non-standard-dependency-usage', description: 'source or runtime does not show the target version' },
  NOT_APPLICABLE: { retryable: false, rootCause: 'none', description: 'the application does not use the component' },
  INVALID_INPUT: { retryable: false, rootCause: 'none', description: 'the request or a file could not be read' },
} as const satisfies Record<ErrorClass, ErrorClassPolicy>;

export function isErrorClass(value: string): value is ErrorClass {
  return (ERROR_CLASSES as readonly string[]).includes(value);
}
