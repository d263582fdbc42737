import { sampleEvent, type StepCommand } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { buildEnvironmentSpec } from './environment-spec.builder';

function deployCommand(extra: Record<string, string>, testEnv: Partial<NonNullable<StepCommand['parameters']['testEnv']>> | null = {}): StepCommand {
  const base = sampleEvent('StepCommand');
  return {
    ...base,
    stage: 'test-deploy',
    deadline: 5_000_000,
    parameters: {
      ...base.parameters,
      testEnv: testEnv === null ? null : { gitRef: 'shipshape/upgrade', environmentId: null, driver: 'local', testCommand: null, flakyRetries: 1, ...testEnv },
      extra,
    },
  };
}

describe('buildEnvironmentSpec', () => {
  it('reads variables, health path, smoke paths and timeouts from parameters.extra', () => {
    const result = buildEnvironmentSpec(
      deployCommand({ 'testEnv.env.GREETING': 'hi', 'testEnv.healthPath': '/ready', 'testEnv.smokePaths': '/, /orders', 'testEnv.timeout.build': '90', other: 'ignored' }),
    );

    expect(result).toEqual({
      ok: true,
      spec: {
        application: 'order-service',
        repositoryUrl: 'file:///srv/fleet/order-service.git',
        gitRef: 'shipshape/upgrade',
        buildTool: 'maven',
        commands: { build: 'mvn -q -DskipTests package', test: 'mvn -q test', start: null },
        variables: { GREETING: 'hi' },
        healthPath: '/ready',
        smokePaths: ['/', '/orders'],
        flakyRetries: 1,
        timeoutsMs: { build: 90_000 },
        deadline: 5_000_000,
      },
    });
  });

  it('lets testEnv.testCommand override the application test command', () => {
    const result = buildEnvironmentSpec(deployCommand({}, { testCommand: 'mvn -q verify' }));
    expect(result.ok && result.spec.commands.test).toBe('mvn -q verify');
  });

  it('names every field at fault', () => {
    const result = buildEnvironmentSpec(
      deployCommand({ 'testEnv.env.1BAD': 'x', 'testEnv.timeout.deploy': '5', 'testEnv.timeout.test': '-1', 'testEnv.healthPath': 'health', 'testEnv.colour': 'red' }, { driver: 'kubernetes' }),
    );

    expect(result).toEqual({
      ok: false,
      problems: [
        'parameters.testEnv.driver: "kubernetes" is not available (drivers: local)',
        'parameters.extra["testEnv.env.1BAD"]: not a variable name',
        'parameters.extra["testEnv.timeout.deploy"]: unknown phase (phases: clone, build, start, health, test, smoke)',
        'parameters.extra["testEnv.timeout.test"]: must be a positive number of seconds',
        'parameters.extra["testEnv.colour"]: unknown test-env parameter',
        'path "health": must start with /',
      ],
    });
  });

  it('needs parameters.testEnv', () => {
    expect(buildEnvironmentSpec(deployCommand({}, null))).toEqual({ ok: false, problems: ['parameters.testEnv: required for test-deploy'] });
  });
});
