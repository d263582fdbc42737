import { randomUUID } from 'node:crypto';
import type { ErrorClass, ResourceInput, StepCommand, StepResultInput } from '@shipshape/contracts';
import { isShipshapeError } from '@shipshape/contracts';
import { GitCommandError } from '../git/git-runner';
import { branchName, type CommitAuthor, type GitWorkspaces } from '../git/git-workspaces';
import { RecipeInputError } from '../recipes/errors';
import type { AnyRecipe } from '../recipes/recipe';
import type { Rule } from '../recipes/runner';
import { applyChange, type ChangeOutcome } from './apply-change';

export const CHANGE_SERVICE_NAME = 'change-service';

/** What a stage execution decided; the worker turns it into a StepResult. */
type StepDecision =
  | { readonly outcome: 'SUCCEEDED'; readonly message: string; readonly details?: Record<string, string>; readonly acquired?: ResourceInput[]; readonly released?: ResourceInput[] }
  | { readonly outcome: 'FAILED'; readonly errorClass: ErrorClass; readonly message: string; readonly details?: Record<string, string> };

export interface ChangeStepExecutorDeps {
  readonly workspaces: GitWorkspaces;
  readonly author: CommitAuthor;
  readonly registry?: ReadonlyMap<string, AnyRecipe>;
}

/** Rules of the command; without rules, a Maven or npm component change becomes the matching upgrade rule. */
export function rulesOf(cmd: StepCommand): Rule[] {
  if (cmd.rules.length > 0) {
    return cmd.rules.map((r, i) => {
      try {
        return { recipe: r.recipe, options: JSON.parse(r.optionsJson) as unknown };
      } catch {
        throw new RecipeInputError(`rules[${i}].optionsJson is not JSON`, 'StepCommand.rules', i + 1);
      }
    });
  }
  const c = cmd.componentChange;
  if (c.ecosystem === 'maven') {
    const [groupId, artifactId] = c.coordinates.split(':');
    return [{ recipe: 'maven', options: { groupId, artifactId, toVersion: c.toVersion } }];
  }
  if (c.ecosystem === 'npm') return [{ recipe: 'npm', options: { packageName: c.coordinates, toVersion: c.toVersion } }];
  throw new RecipeInputError(`no rules and no default recipe for ecosystem ${c.ecosystem}`, 'StepCommand.rules', 1);
}

function summarize(outcome: ChangeOutcome): string {
  const counts = new Map<string, number>();
  for (const e of outcome.report) counts.set(e.outcome, (counts.get(e.outcome) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
}

async function runChange(cmd: StepCommand, deps: ChangeStepExecutorDeps): Promise<StepDecision> {
  const params = cmd.parameters.change;
  const out = await applyChange(
    deps.workspaces,
    {
      remoteUrl: cmd.application.repositoryUrl,
      taskId: cmd.taskId,
      application: cmd.application.name,
      stepId: cmd.stepId,
      rules: rulesOf(cmd),
      author: deps.author,
      branch: params?.branchName || branchName(cmd.taskId, cmd.application.name),
      message: params?.commitMessage ?? undefined,
    },
    { registry: deps.registry },
  );
  const report = JSON.stringify(out.report).slice(0, 16_000);
  switch (out.kind) {
    case 'pushed':
      return {
        outcome: 'SUCCEEDED',
        message: out.reused ? `branch ${out.branch} already made by this step` : `pushed ${out.branch} (${summarize(out)})`,
        details: { branch: out.branch, commit: out.commit, baseCommit: out.baseCommit, reused: String(out.reused), report },
        acquired: [
          {
            kind: 'branch',
            id: `${cmd.application.name}:${out.branch}`,
            attributes: { repositoryUrl: cmd.application.repositoryUrl, branch: out.branch, commit: out.commit, baseCommit: out.baseCommit },
          },
        ],
      };
    case 'not-applicable':
      return { outcome: 'FAILED', errorClass: 'NOT_APPLICABLE', message: 'the application does not use the component', details: { report } };
    case 'already-at-target':
      return { outcome: 'FAILED', errorClass: 'NOT_APPLICABLE', message: `already at target (${summarize(out)})`, details: { report } };
    default: {
      const never: never = out;
      return never;
    }
  }
}

async function runBranchRelease(cmd: StepCommand, deps: ChangeStepExecutorDeps): Promise<StepDecision> {
  const branches = cmd.resources.filter((r) => r.kind === 'branch');
  const released: ResourceInput[] = [];
  for (const r of branches) {
    const url = r.attributes.repositoryUrl ?? cmd.application.repositoryUrl;
    const branch = r.attributes.branch;
    if (!branch) return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `branch resource ${r.id} has no branch attribute` };
    await deps.workspaces.deleteBranch(url, branch);
    released.push({ kind: r.kind, id: r.id, attributes: r.attributes });
  }
  return { outcome: 'SUCCEEDED', message: `released ${released.length} branch(es)`, released };
}

/** Runs one accepted step; expected domain failures come back as FAILED decisions, never as throws. */
export async function executeStep(cmd: StepCommand, deps: ChangeStepExecutorDeps): Promise<StepResultInput> {
  const started = Date.now();
  let decision: StepDecision;
  try {
    switch (cmd.stage) {
      case 'change':
        decision = await runChange(cmd, deps);
        break;
      case 'branch-release':
        decision = await runBranchRelease(cmd, deps);
        break;
      default:
        decision = { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `stage ${cmd.stage} is not served by change-service` };
    }
  } catch (err) {
    decision = classify(err);
  }
  return {
    eventId: randomUUID(),
    stepId: cmd.stepId,
    runId: cmd.runId,
    taskId: cmd.taskId,
    stage: cmd.stage,
    attempt: cmd.attempt,
    service: CHANGE_SERVICE_NAME,
    outcome: decision.outcome,
    occurredAt: Date.now(),
    errorClass: decision.outcome === 'FAILED' ? decision.errorClass : null,
    message: decision.message.slice(0, 2000),
    details: decision.details ?? {},
    acquired: decision.outcome === 'SUCCEEDED' ? (decision.acquired ?? []) : [],
    released: decision.outcome === 'SUCCEEDED' ? (decision.released ?? []) : [],
    usage: { durationMs: Date.now() - started },
  };
}

function classify(err: unknown): StepDecision {
  if (isShipshapeError(err) && ['CHANGE.INVALID_INPUT', 'CHANGE.INVALID_OPTIONS', 'CHANGE.UNKNOWN_RECIPE'].includes(err.code)) {
    return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: err.message, details: { code: err.code } };
  }
  if (err instanceof GitCommandError) return { outcome: 'FAILED', errorClass: 'TRANSIENT', message: err.message, details: { code: err.code } };
  return { outcome: 'FAILED', errorClass: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
