import { STAGE_SERVICE, type Resource, type StageName, type StepCommand, type StepParameters } from '@shipshape/contracts';
import type { ApplicationRecord } from '../catalog/application.schema';
import type { TaskSpec } from '../tasks/task.schema';

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
}

function parameters(i: StepCommandInputs): StepParameters {
  const branchName = branchNameFor(i.taskId, i.task);
  const held = (kind: string) => i.resources.find((r) => r.kind === kind)?.id ?? null;
  const extra: Record<string, string> = Object.fromEntries(Object.entries(i.task.pluginVersions).map(([k, v]) => [`pluginVersion.${k}`, v]));
  if (i.application.healthPath) extra.healthPath = i.application.healthPath;
  if (i.application.productionInstances != null) extra.productionInstances = String(i.application.productionInstances);
  const none = { change: null, testEnv: null, release: null, detect: null, extra };
  const title = `Upgrade ${i.task.component.coordinates} to ${i.task.toVersion}`;
  const service = STAGE_SERVICE[i.stage];
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
        release: { gitRef: i.application.defaultBranch, runtime: 'local', trafficSteps: [10, 50, 100], observeSeconds: 60, maxErrorRate: 0.01, autoRollback: true },
      };
    case 'detection-service':
      return { ...none, detect: { checkSource: true, checkRuntime: true, gitRef: null, expectedCommit: null } };
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
      ecosystem: i.task.component.ecosystem,
      coordinates: i.task.component.coordinates,
      fromRange: i.task.fromRange,
      toVersion: i.task.toVersion,
    },
    rules: i.task.rules.map((r) => ({ recipe: r.recipe, optionsJson: JSON.stringify(r.options) })),
    parameters: parameters(i),
    resources: i.resources,
    dryRun: i.dryRun,
  };
}
