import type { Resource, StageName } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import type { ApplicationRecord } from '../catalog/application.schema';
import { taskSchema } from '../tasks/task.schema';
import type { TestResults } from './run-state';
import { branchNameFor, buildStepCommand } from './step-command.factory';

const APP: ApplicationRecord = {
  id: 'a1',
  name: 'payments-ledger',
  team: 'payments',
  service: 'payments-ledger',
  repositoryUrl: 'file:///tmp/payments-ledger.git',
  defaultBranch: 'main',
  buildTool: 'maven',
  commands: { build: 'mvn -q package', test: 'mvn -q test', run: 'java -jar target/app.jar' },
  healthPath: '/healthz',
  productionInstances: 3,
  labels: {},
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

const TASK = taskSchema.parse({
  kind: 'component',
  component: { ecosystem: 'maven', coordinates: 'com.acme:rpc-client' },
  fromRange: '[1,2)',
  toVersion: '2.0.0',
  selection: { applications: ['payments-ledger'] },
  parameters: { 'release.bakeMs': '2000', 'testEnv.env.GREETING': 'hi', 'commitAuthorName': 'Bot' },
});

function command(stage: StageName, resources: Resource[] = [], application: ApplicationRecord = APP, mergedCommit: string | null = null, testResults: TestResults | null = null) {
  return buildStepCommand({ stepId: `r:${stage}:1`, runId: 'r', taskId: 't0123456789', stage, attempt: 1, resources, rebase: false, application, task: TASK, dryRun: false, mergedCommit, testResults });
}

const MERGED = 'a1b2c3d4'.repeat(5);

describe('buildStepCommand maps the catalog into each service\'s parameters', () => {
  it("gives change-service's steps the run's test results (TEST_RESULT_EXTRA_KEYS) for the merge request, and no other service", () => {
    const results: TestResults = { command: 'mvn -B test', passed: '12', failed: '0', skipped: null, durationMs: '4200', environmentId: 'env-7', url: 'http://t/log' };
    expect(command('review', [], APP, null, results).parameters.extra).toMatchObject({
      'change.testResults.command': 'mvn -B test',
      'change.testResults.passed': '12',
      'change.testResults.failed': '0',
      'change.testResults.durationMs': '4200',
      'change.testResults.environmentId': 'env-7',
      'change.testResults.url': 'http://t/log',
    });
    expect(command('review', [], APP, null, results).parameters.extra).not.toHaveProperty('change.testResults.skipped');
    for (const stage of ['test-deploy', 'release', 'detect'] as const) expect(Object.keys(command(stage, [], APP, null, results).parameters.extra).filter((k) => k.includes('testResults'))).toEqual([]);
    expect(Object.keys(command('review').parameters.extra).filter((k) => k.includes('testResults'))).toEqual([]);
  });

  it('gives test-env-service the health path under testEnv.* and only the testEnv.* task parameters', () => {
    const extra = command('test-deploy').parameters.extra;
    expect(extra['testEnv.healthPath']).toBe('/healthz');
    expect(extra['testEnv.env.GREETING']).toBe('hi');
    expect(Object.keys(extra).filter((k) => k.startsWith('release.'))).toEqual([]);
    expect(extra['commitAuthorName']).toBe('Bot');
  });

  it('gives release-service the health path, the production instances and the release.* task parameters', () => {
    const cmd = command('release');
    expect(cmd.parameters.extra).toMatchObject({ 'release.healthPath': '/healthz', 'release.instances': '3', 'release.bakeMs': '2000' });
    expect(Object.keys(cmd.parameters.extra).filter((k) => k.startsWith('testEnv.'))).toEqual([]);
    expect(cmd.application.commands).toEqual({ build: 'mvn -q package', test: 'mvn -q test', start: 'java -jar target/app.jar' });
  });

  it('leaves the instance count to release-service when the catalog has none', () => {
    expect(command('release', [], { ...APP, productionInstances: null }).parameters.extra['release.instances']).toBeUndefined();
  });

  it('tests the branch change-service pushed (its branch resource), else the task branch', () => {
    const branch: Resource = { kind: 'branch', id: 'payments-ledger:shipshape/x', attributes: { branch: 'shipshape/x', commit: 'abc' } };
    expect(command('test-deploy', [branch]).parameters.testEnv?.gitRef).toBe('shipshape/x');
    expect(command('test-deploy').parameters.testEnv?.gitRef).toBe(branchNameFor('t0123456789', TASK));
    expect(command('change').parameters.change?.branchName).toBe(branchNameFor('t0123456789', TASK));
  });

  it('releases and detects exactly the commit the merge stage produced; the default branch head only without one', () => {
    expect(command('release', [], APP, MERGED).parameters.release?.gitRef).toBe(MERGED);
    expect(command('detect', [], APP, MERGED).parameters.detect).toMatchObject({ gitRef: MERGED, expectedCommit: MERGED });
    expect(command('release').parameters.release?.gitRef).toBe('main');
    expect(command('detect').parameters.detect).toMatchObject({ gitRef: null, expectedCommit: null });
    expect(command('release', [], APP, MERGED).control).toBeNull();
  });

  it('does not expect a sidecar release\'s instances to run the merged commit (the running build only gets the new agent)', () => {
    const sidecar = taskSchema.parse({ ...TASK, kind: 'sidecar', component: { ecosystem: 'javaagent', coordinates: 'shipshape-agent' } });
    const cmd = buildStepCommand({ stepId: 's', runId: 'r', taskId: 't', stage: 'detect', attempt: 1, resources: [], rebase: false, application: APP, task: sidecar, dryRun: false, mergedCommit: MERGED });
    expect(cmd.parameters.detect).toMatchObject({ gitRef: MERGED, expectedCommit: null });
  });

  it('names the JavaAgent ecosystem as the inventory does (java-agent)', () => {
    const sidecar = taskSchema.parse({ ...TASK, kind: 'sidecar', component: { ecosystem: 'javaagent', coordinates: 'shipshape-agent' } });
    const cmd = buildStepCommand({ stepId: 's', runId: 'r', taskId: 't', stage: 'detect', attempt: 1, resources: [], rebase: false, application: APP, task: sidecar, dryRun: false });
    expect(cmd.componentChange).toMatchObject({ kind: 'SIDECAR', ecosystem: 'java-agent', coordinates: 'shipshape-agent' });
  });
});
