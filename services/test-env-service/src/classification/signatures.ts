import type { ErrorClass } from '@shipshape/contracts';

/** The phases of a test environment; every command runs in one of them and is classified by it. */
export const PHASES = ['clone', 'build', 'start', 'health', 'test', 'smoke'] as const;
export type Phase = (typeof PHASES)[number];

/** The error classes the classifier decides (a subset of ERROR_CLASSES). */
export type FailureClass = Extract<
  ErrorClass,
  'COMPILE_ERROR' | 'TEST_FAILURE' | 'TEST_FLAKY' | 'DEPENDENCY_RESOLUTION' | 'ENV_CONFIG' | 'TIMEOUT' | 'TRANSIENT'
>;

export const TOOLS = ['maven', 'javac', 'npm', 'tsc', 'node', 'node-test', 'surefire', 'java', 'shell'] as const;
export type Tool = (typeof TOOLS)[number];

/** One known log signature: a tool's message that decides the error class when seen in one of the phases. */
export interface Signature {
  /** Stable id, reported in results and statistics, e.g. `maven.compilation-failure`. */
  readonly id: string;
  readonly tool: Tool;
  readonly errorClass: FailureClass;
  /** Phases whose logs this signature is looked for in (network errors inside tests are the app's, not ours). */
  readonly phases: readonly Phase[];
  readonly pattern: RegExp;
  /** Only when the command ended with this exit status (e.g. 127: the shell found no such command). */
  readonly exitCode?: number;
  /** Short human summary for the step result. */
  readonly summary: string;
}

const BUILD_AND_TEST: readonly Phase[] = ['build', 'test'];
const FETCHING: readonly Phase[] = ['clone', 'build', 'test'];
const RUNNING: readonly Phase[] = ['start', 'health', 'smoke'];
const ALL: readonly Phase[] = PHASES;

/**
 * The classifier's table, first match wins. Order matters: a tool that is absent beats everything,
 * a refused connection while fetching is a blip (retry) before the "could not be resolved" it causes,
 * a missing artifact is a dependency problem before it is a build failure.
 * Every entry has a test on real output in `__fixtures__/` (see `capture.sh`).
 */
export const SIGNATURES: readonly Signature[] = [
  {
    id: 'shell.command-not-found',
    tool: 'shell',
    errorClass: 'ENV_CONFIG',
    phases: ALL,
    exitCode: 127,
    pattern: /^(?:\/bin\/)?(?:ba)?sh: (?:\d+: )?(?:line \d+: )?(\S+): (?:command )?not found$/m,
    summary: 'a build tool or command is not installed in the environment',
  },
  {
    id: 'maven.transfer-connection-failed',
    tool: 'maven',
    errorClass: 'TRANSIENT',
    phases: FETCHING,
    pattern: /Could not transfer artifact .*(?:Connection refused|Connect timed out|Read timed out|Connection reset|UnknownHostException|Network is unreachable|No route to host)/,
    summary: 'the Maven repository could not be reached',
  },
  {
    id: 'npm.network-error',
    tool: 'npm',
    errorClass: 'TRANSIENT',
    phases: FETCHING,
    pattern: /^npm (?:error|ERR!) code (?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)$/m,
    summary: 'the npm registry could not be reached',
  },
  {
    id: 'maven.artifact-not-found',
    tool: 'maven',
    errorClass: 'DEPENDENCY_RESOLUTION',
    phases: BUILD_AND_TEST,
    pattern: /Could not resolve dependencies for project .*(?:Could not find artifact|has not been downloaded from it before)/,
    summary: 'a Maven dependency cannot be resolved',
  },
  {
    id: 'npm.package-not-found',
    tool: 'npm',
    errorClass: 'DEPENDENCY_RESOLUTION',
    phases: BUILD_AND_TEST,
    pattern: /^npm (?:error|ERR!) code (?:E404|ETARGET|ERESOLVE)$/m,
    summary: 'an npm dependency cannot be resolved',
  },
  {
    id: 'maven.compilation-failure',
    tool: 'maven',
    errorClass: 'COMPILE_ERROR',
    phases: BUILD_AND_TEST,
    pattern: /^\[ERROR\] (?:COMPILATION ERROR|Failed to execute goal .*maven-compiler-plugin.* Compilation failure)/m,
    summary: 'the code does not compile',
  },
  {
    id: 'javac.error',
    tool: 'javac',
    errorClass: 'COMPILE_ERROR',
    phases: BUILD_AND_TEST,
    pattern: /^\S+\.java:\d+: error: /m,
    summary: 'the code does not compile',
  },
  {
    id: 'tsc.error',
    tool: 'tsc',
    errorClass: 'COMPILE_ERROR',
    phases: BUILD_AND_TEST,
    pattern: /^\S+\(\d+,\d+\): error TS\d+: /m,
    summary: 'the code does not type-check',
  },
  {
    id: 'node.syntax-error',
    tool: 'node',
    errorClass: 'COMPILE_ERROR',
    phases: ALL,
    pattern: /^SyntaxError: /m,
    summary: 'a JavaScript file does not parse',
  },
  {
    id: 'surefire.test-failures',
    tool: 'surefire',
    errorClass: 'TEST_FAILURE',
    phases: ['test'],
    pattern: /^\[ERROR\] Tests run: \d+, Failures: \d+, Errors: \d+|There are test failures/m,
    summary: 'tests fail',
  },
  {
    id: 'node-test.tap-not-ok',
    tool: 'node-test',
    errorClass: 'TEST_FAILURE',
    phases: ['test'],
    pattern: /^\s*not ok \d+ - /m,
    summary: 'tests fail',
  },
  {
    id: 'node-test.spec-failing',
    tool: 'node-test',
    errorClass: 'TEST_FAILURE',
    phases: ['test'],
    pattern: /^✖ failing tests:$|^ℹ fail [1-9]/m,
    summary: 'tests fail',
  },
  {
    id: 'java.address-in-use',
    tool: 'java',
    errorClass: 'ENV_CONFIG',
    phases: RUNNING,
    pattern: /java\.net\.BindException: Address already in use/,
    summary: 'the port the application was given is in use',
  },
  {
    id: 'node.address-in-use',
    tool: 'node',
    errorClass: 'ENV_CONFIG',
    phases: RUNNING,
    pattern: /Error: listen EADDRINUSE/,
    summary: 'the port the application was given is in use',
  },
  {
    id: 'app.missing-variable',
    tool: 'shell',
    errorClass: 'ENV_CONFIG',
    phases: RUNNING,
    pattern: /(?:missing|undefined|not set).{0,20}(?:environment )?variable|environment variable .{1,60} (?:is )?(?:not set|missing|required)/i,
    summary: 'a configuration variable the application needs is missing',
  },
  {
    id: 'npm.ci-without-lockfile',
    tool: 'npm',
    errorClass: 'ENV_CONFIG',
    phases: ['build'],
    pattern: /The `npm ci` command can only install with an existing package-lock\.json/,
    summary: 'npm ci needs a package-lock.json',
  },
];

/** What a failed phase counts as when no signature matched. */
export const PHASE_FALLBACK = {
  clone: 'TRANSIENT',
  build: 'COMPILE_ERROR',
  start: 'ENV_CONFIG',
  health: 'ENV_CONFIG',
  test: 'TEST_FAILURE',
  smoke: 'TEST_FAILURE',
} as const satisfies Record<Phase, FailureClass>;
