import { STAGE_SERVICE, TEST_RESULT_EXTRA_KEYS, type Resource, type StageName, type StepCommand, type StepParameters } from '@shipshape/contracts';
import type { ApplicationRecord } from '../catalog/application.schema';
import type { TestResults } from './run-state';
import { canonicalEcosystem, type TaskSpec } from '../tasks/task.schema';

/** Branch every run of a task works on: deterministic per task and application. */
export function branchNameFor(taskId: string, spec: Pick<TaskSpec, 'component' | 'toVersion'>): string {
  const component = spec.component.coordinates.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `shipshape/${taskId.slice(0, 8)}/${component}-${spec.toVersion.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
}

export interface StepCommandInputs {
  readonly stepId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly stage: StageName;
  readonly attempt: number;
  readonly resources: readonly Resource[];
  readonly rebase: boolean;
  readonly application: ApplicationRecord;
  readonly task: TaskSpec;
  readonly dryRun: boolean;
  /** The commit the run's merge stage produced (null: none yet, e.g. the stage was skipped): release and detect use exactly it. */
  readonly mergedCommit?: string | null;
  /** What the run's last successful test-verify reported: change-service's steps get it (the merge request description). */
  readonly testResults?: TestResults | null;
}

/** The test results as change-service reads them from `parameters.extra` (contracts TEST_RESULT_EXTRA_KEYS); unknown values left out. */
export function testResultsExtra(results: TestResults | null | undefined): Record<string, string> {
  if (!results) return {};
  return Object.fromEntries(
    (Object.keys(TEST_RESULT_EXTRA_KEYS) as Array<keyof typeof TEST_RESULT_EXTRA_KEYS>).flatMap((k) => (results[k] === null ? [] : [[TEST_RESULT_EXTRA_KEYS[k], results[k]]])),
  );
}

/**
 * The `parameters.extra` keys each service reads, mapped from the catalog in this one place:
 * test-env-service `testEnv.healthPath`, release-service `release.healthPath` and `release.instances`,
 * then the task's own `parameters` (e.g. `release.bakeMs`, `testEnv.env.NAME`) which override them.
 */
export function extraFor(service: string, application: ApplicationRecord, task: Pick<TaskSpec, 'pluginVersions' | 'parameters'>): Record<string, string> {
  const extra: Record<string, string> = Object.fromEntries(Object.entries(task.pluginVersions).map(([k, v]) => [`pluginVersion.${k}`, v]));
  const prefix = SERVICE_EXTRA_PREFIX[service];
  if (prefix === 'testEnv.') {
    if (application.healthPath) extra['testEnv.healthPath'] = application.healthPath;
  }
  if (prefix === 'release.') {
    if (application.healthPath) extra['release.healthPath'] = application.healthPath;
    if (application.productionInstances != null && application.productionInstances > 0) extra['release.instances'] = String(application.productionInstances);
  }
  // `?? {}`: tasks stored before `parameters` existed.
  for (const [key, value] of Object.entries(task.parameters ?? {})) {
    // Service-scoped keys go only to their service (test-env-service refuses testEnv.* keys it does not know).
    const scoped = Object.values(SERVICE_EXTRA_PREFIX).find((p) => key.startsWith(p));
    if (scoped === undefined || scoped === prefix) extra[key] = value;
  }
  return extra;
}

/** Prefix of the parameters.extra keys a service reads. */
const SERVICE_EXTRA_PREFIX: Readonly<Record<string, string>> = {
  'change-service': 'change.',
  'test-env-service': 'testEnv.',
  'release-service': 'release.',
  'detection-service': 'detect.',
};

function parameters(i: StepCommandInputs): StepParameters {
  const held = (kind: string) => i.resources.find((r) => r.kind === kind)?.id ?? null;
  // The branch change-service pushed (its `branch` resource) is what gets tested; before that, the task's branch name.
  const branchName = i.resources.find((r) => r.kind === 'branch')?.attributes['branch'] ?? branchNameFor(i.taskId, i.task);
  const service = STAGE_SERVICE[i.stage];
  const extra = { ...extraFor(service, i.application, i.task), ...(service === 'change-service' ? testResultsExtra(i.testResults) : {}) };
  const none = { change: null, testEnv: null, release: null, detect: null, extra };
  const title = `Upgrade ${i.task.component.coordinates} to ${i.task.toVersion}`;
  const merged = i.mergedCommit ?? null;
  switch (service) {
    case 'change-service':
      return {
        ...none,
        change: {
          branchName,
          commitMessage: `${title} (Shipshape task ${i.taskId})`,
          mergeRequestTitle: title,
          mergeRequestId: held('merge-request'),
          reviewers: [],
          rebase: i.rebase,
          autoMerge: i.task.approval === 'automatic',
        },
      };
    case 'test-env-service':
      return { ...none, testEnv: { gitRef: branchName, environmentId: held('test-environment'), driver: 'local', testCommand: null, flakyRetries: 1 } };
    case 'release-service':
      return {
        ...none,
        release: { gitRef: merged ?? i.application.defaultBranch, runtime: 'local', trafficSteps: [10, 50, 100], observeSeconds: 60, maxErrorRate: 0.01, autoRollback: true },
      };
    case 'detection-service':
      // A sidecar release keeps the running build (only the agent changes): its instances do not run the merged commit.
      return { ...none, detect: { checkSource: true, checkRuntime: true, gitRef: merged, expectedCommit: i.task.kind === 'sidecar' ? null : merged } };
    default: {
      const never: never = service;
      throw new Error(`no service ${String(never)}`);
    }
  }
}

/**
 * A self-contained StepCommand: everything the service needs (repository, branch, rules, commands,
 * resources), so services never call task-manager. issuedAt/deadline/eventId are set at dispatch.
 */
export function buildStepCommand(i: StepCommandInputs): Omit<StepCommand, 'eventId' | 'issuedAt' | 'deadline'> {
  const a = i.application;
  return {
    stepId: i.stepId,
    runId: i.runId,
    taskId: i.taskId,
    stage: i.stage,
    attempt: i.attempt,
    application: {
      name: a.name,
      team: a.team,
      repositoryUrl: a.repositoryUrl,
      defaultBranch: a.defaultBranch,
      buildTool: a.buildTool,
      commands: { build: a.commands.build ?? null, test: a.commands.test ?? null, start: a.commands.run ?? null },
      labels: { ...a.labels, service: a.service },
    },
    componentChange: {
      kind: i.task.kind === 'sidecar' ? 'SIDECAR' : 'COMPONENT',
      ecosystem: canonicalEcosystem(i.task.component.ecosystem),
      coordinates: i.task.component.coordinates,
      fromRange: i.task.fromRange,
      toVersion: i.task.toVersion,
    },
    rules: i.task.rules.map((r) => ({ recipe: r.recipe, optionsJson: JSON.stringify(r.options) })),
    parameters: parameters(i),
    resources: i.resources,
    dryRun: i.dryRun,
    control: null,
  };
}
