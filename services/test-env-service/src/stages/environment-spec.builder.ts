import type { StepCommand } from '@shipshape/contracts';
import { PHASES, type Phase } from '../classification';
import type { EnvironmentSpec } from '../environments/environment.types';

/**
 * Keys of StepCommand.parameters.extra that test-env-service reads (until TestEnvStepParameters models them):
 * - `testEnv.healthPath`: path answering 2xx once the app is up (else label `healthPath`, else /health)
 * - `testEnv.smokePaths`: comma-separated paths requested with GET after the tests
 * - `testEnv.env.<NAME>`: variable NAME for the application (PORT is set by the platform)
 * - `testEnv.timeout.<phase>`: seconds for clone, build, start, health, test or smoke
 */
export const EXTRA_PREFIX = 'testEnv.';

export type SpecResult = { readonly ok: true; readonly spec: EnvironmentSpec } | { readonly ok: false; readonly problems: readonly string[] };

function isPhase(value: string): value is Phase {
  return (PHASES as readonly string[]).includes(value);
}

/** The environment a test-deploy step asks for; problems name the field at fault. */
export function buildEnvironmentSpec(cmd: StepCommand): SpecResult {
  const problems: string[] = [];
  const testEnv = cmd.parameters.testEnv;
  if (!testEnv) problems.push('parameters.testEnv: required for test-deploy');
  if (testEnv && testEnv.driver !== 'local') problems.push(`parameters.testEnv.driver: "${testEnv.driver}" is not available (drivers: local)`);
  if (testEnv && testEnv.gitRef.trim() === '') problems.push('parameters.testEnv.gitRef: must name a branch or tag');
  if (cmd.application.repositoryUrl.trim() === '') problems.push('application.repositoryUrl: required');

  const variables: Record<string, string> = {};
  const timeoutsMs: Partial<Record<Phase, number>> = {};
  let healthPath = cmd.application.labels['healthPath'] ?? '/health';
  let smokePaths: string[] = [];
  for (const [key, value] of Object.entries(cmd.parameters.extra)) {
    if (!key.startsWith(EXTRA_PREFIX)) continue;
    const name = key.slice(EXTRA_PREFIX.length);
    if (name === 'healthPath') healthPath = value;
    else if (name === 'smokePaths') smokePaths = value.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
    else if (name.startsWith('env.')) {
      const variable = name.slice('env.'.length);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) problems.push(`parameters.extra["${key}"]: not a variable name`);
      else variables[variable] = value;
    } else if (name.startsWith('timeout.')) {
      const phase = name.slice('timeout.'.length);
      const seconds = Number(value);
      if (!isPhase(phase)) problems.push(`parameters.extra["${key}"]: unknown phase (phases: ${PHASES.join(', ')})`);
      else if (!Number.isFinite(seconds) || seconds <= 0) problems.push(`parameters.extra["${key}"]: must be a positive number of seconds`);
      else timeoutsMs[phase] = seconds * 1000;
    } else problems.push(`parameters.extra["${key}"]: unknown test-env parameter`);
  }
  for (const path of [healthPath, ...smokePaths]) if (!path.startsWith('/')) problems.push(`path "${path}": must start with /`);
  if (problems.length > 0 || !testEnv) return { ok: false, problems };

  return {
    ok: true,
    spec: {
      application: cmd.application.name,
      repositoryUrl: cmd.application.repositoryUrl,
      gitRef: testEnv.gitRef,
      buildTool: cmd.application.buildTool,
      commands: { build: cmd.application.commands.build, test: testEnv.testCommand ?? cmd.application.commands.test, start: cmd.application.commands.start },
      variables,
      healthPath,
      smokePaths,
      flakyRetries: testEnv.flakyRetries,
      timeoutsMs,
      deadline: cmd.deadline > 0 ? cmd.deadline : null,
    },
  };
}
