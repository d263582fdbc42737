import { randomUUID } from 'node:crypto';
import type { ErrorClass, ResourceInput, StepCommand, StepResultInput } from '@shipshape/contracts';
import { TEST_RESULT_EXTRA_KEYS, isShipshapeError } from '@shipshape/contracts';
import { git, GitCommandError } from '../git/git-runner';
import type { MergeRequestProvider } from '../merge-requests/merge-request.provider';
import { runRecipes } from '../recipes/runner';
import type { ReportEntry } from '../recipes/recipe';
import { branchName, type CommitAuthor, type GitWorkspaces } from '../git/git-workspaces';
import { RecipeInputError } from '../recipes/errors';
import type { RegisteredRecipe } from '../recipes/recipe';
import type { Rule } from '../recipes/runner';
import { applyChange, type ChangeOutcome } from './apply-change';

export const CHANGE_SERVICE_NAME = 'change-service';

/** What a stage execution decided; the worker turns it into a StepResult. */
type StepDecision =
  | {
      readonly outcome: 'SUCCEEDED';
      readonly message: string;
      readonly details?: Record<string, string>;
      readonly acquired?: ResourceInput[];
      readonly released?: ResourceInput[];
      readonly links?: { label: string; url: string }[];
    }
  | { readonly outcome: 'FAILED'; readonly errorClass: ErrorClass; readonly message: string; readonly details?: Record<string, string> };

export interface ChangeStepExecutorDeps {
  readonly workspaces: GitWorkspaces;
  readonly author: CommitAuthor;
  readonly registry?: ReadonlyMap<string, RegisteredRecipe>;
  readonly mergeRequests: MergeRequestProvider;
  /** The per-dependency report the run's change step produced (JSON), for the merge request description. */
  readonly changeReport: (runId: string) => Promise<readonly ReportEntry[] | undefined>;
  /** Base URL of change-service's REST API, for links. */
  readonly publicUrl: string;
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

/** Per-task commit author: `parameters.extra.commitAuthorName` / `commitAuthorEmail`, else the service's. */
export function authorOf(cmd: StepCommand, fallback: CommitAuthor): CommitAuthor {
  const name = cmd.parameters.extra.commitAuthorName?.trim();
  const email = cmd.parameters.extra.commitAuthorEmail?.trim();
  return { name: name || fallback.name, email: email && /^[^\s<>@]+@[^\s<>@]+$/.test(email) ? email : fallback.email };
}

/** Why, for the commit message: the task's component change. */
export function whyOf(cmd: StepCommand): string {
  const c = cmd.componentChange;
  const what = c.coordinates ? `${c.ecosystem} ${c.coordinates}${c.fromRange ? ` ${c.fromRange}` : ''} -> ${c.toVersion}` : 'its rules';
  return `Shipshape task ${cmd.taskId} (run ${cmd.runId}) upgrades ${what}${c.kind === 'SIDECAR' ? ' (sidecar)' : ''} across the fleet.`;
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
      author: authorOf(cmd, deps.author),
      branch: params?.branchName || branchName(cmd.taskId, cmd.application.name),
      message: params?.commitMessage ?? undefined,
      why: whyOf(cmd),
      component: cmd.componentChange.kind === 'COMPONENT' ? cmd.componentChange.coordinates : undefined,
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
    case 'skipped': {
      // The declaration needs a person (a version range, a property defined elsewhere…): a typed skip reason,
      // root cause non-standard dependency usage. Nothing was committed or pushed.
      const first = out.skipped[0]!;
      const where = first.line ? `${first.file}:${first.line}` : first.file;
      return {
        outcome: 'FAILED',
        errorClass: 'DEPENDENCY_RESOLUTION',
        message: `skipped ${first.subject} at ${where}: ${first.reason ?? 'skipped'}${first.detail ? ` (${first.detail})` : ''}; nothing pushed`,
        details: { skipReason: first.reason ?? 'unknown', file: first.file, line: String(first.line ?? ''), report },
      };
    }
    default: {
      const never: never = out;
      return never;
    }
  }
}

async function runBranchRelease(cmd: StepCommand, deps: ChangeStepExecutorDeps): Promise<StepDecision> {
  const branches = cmd.resources.filter((r) => r.kind === 'branch');
  const released: ResourceInput[] = [];
  for (const r of cmd.resources.filter((x) => x.kind === 'merge-request')) {
    await deps.mergeRequests.close(r.id); // unmerged ones close; merged ones stay merged
    released.push({ kind: r.kind, id: r.id, attributes: r.attributes });
  }
  for (const r of branches) {
    const url = r.attributes.repositoryUrl ?? cmd.application.repositoryUrl;
    const branch = r.attributes.branch;
    if (!branch) return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `branch resource ${r.id} has no branch attribute` };
    await deps.workspaces.deleteBranch(url, branch);
    released.push({ kind: r.kind, id: r.id, attributes: r.attributes });
  }
  return { outcome: 'SUCCEEDED', message: `released ${released.length} resource(s)`, released };
}

function branchOf(cmd: StepCommand): { repositoryUrl: string; branch: string } {
  const r = cmd.resources.find((x) => x.kind === 'branch');
  return {
    repositoryUrl: r?.attributes.repositoryUrl ?? cmd.application.repositoryUrl,
    branch: r?.attributes.branch ?? (cmd.parameters.change?.branchName || branchName(cmd.taskId, cmd.application.name)),
  };
}

/** The run's test-verify results task-manager passes in `parameters.extra` (TEST_RESULT_EXTRA_KEYS), as Markdown. */
export function describeTestResults(extra: Readonly<Record<string, string>>): string {
  const k = TEST_RESULT_EXTRA_KEYS;
  const value = (key: string) => extra[key]?.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  if (!Object.values(k).some((key) => extra[key] !== undefined)) return "(no test results reported; see the run's test-verify stage)";
  const ms = Number(extra[k.durationMs]);
  const duration = Number.isFinite(ms) && extra[k.durationMs] !== undefined ? `${(ms / 1000).toFixed(1)} s` : '?';
  const lines = [
    '| command | passed | failed | skipped | duration | test environment |',
    '|---|---|---|---|---|---|',
    `| \`${value(k.command) ?? '?'}\` | ${value(k.passed) ?? '?'} | ${value(k.failed) ?? '?'} | ${value(k.skipped) ?? '?'} | ${duration} | ${value(k.environmentId) ?? '?'} |`,
    '',
    `The test-verify stage passed.${extra[k.url] ? ` [Test log](${extra[k.url]})` : ''}`,
  ];
  return lines.join('\n');
}

export function describeMergeRequest(head: string, report: readonly ReportEntry[] | undefined, cmd: StepCommand, branch: string): string {
  const cell = (s: string | number | undefined) => String(s ?? '').replace(/\|/g, '\\|');
  const rows = (report ?? []).map((e) => `| ${cell(e.file)} | ${cell(e.subject)} | ${e.outcome}${e.reason ? ` (${e.reason})` : ''} | ${cell(e.from)} | ${cell(e.to)} | ${cell(e.detail)} |`);
  return [
    '## What changed',
    head.trim(),
    '',
    '## Per-dependency report',
    rows.length > 0 ? ['| file | subject | outcome | from | to | note |', '|---|---|---|---|---|---|', ...rows].join('\n') : '(no report recorded for this run)',
    '',
    '## Test results',
    describeTestResults(cmd.parameters.extra),
    '',
    '## Links',
    `- branch \`${branch}\` of ${cmd.application.repositoryUrl}`,
    `- task ${cmd.taskId}, run ${cmd.runId}`,
  ].join('\n');
}

async function runReview(cmd: StepCommand, deps: ChangeStepExecutorDeps): Promise<StepDecision> {
  const { repositoryUrl, branch } = branchOf(cmd);
  const head = await deps.workspaces.remoteBranch(repositoryUrl, branch);
  if (!head) return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `branch ${branch} does not exist in ${repositoryUrl}` };
  const mirror = await deps.workspaces.syncMirror(repositoryUrl);
  const target = await deps.workspaces.defaultBranch(mirror);
  const defaultHead = (await deps.workspaces.headOf(repositoryUrl, target))!;
  const base = await deps.workspaces.mergeBase(repositoryUrl, defaultHead, head.commit);
  const message = await deps.workspaces.commitMessage(repositoryUrl, head.commit);
  const title = cmd.parameters.change?.mergeRequestTitle || message.split('\n')[0]!;
  let mr = await deps.mergeRequests.open({
    application: cmd.application.name,
    repositoryUrl,
    sourceBranch: branch,
    targetBranch: target,
    title,
    description: describeMergeRequest(message.replace(/^Shipshape-Step-Id:.*$/m, ''), await deps.changeReport(cmd.runId), cmd, branch),
    diff: await deps.workspaces.diff(repositoryUrl, base, head.commit),
    headCommit: head.commit,
    baseCommit: base,
    taskId: cmd.taskId,
    runId: cmd.runId,
  });
  if (cmd.parameters.change?.autoMerge) mr = await deps.mergeRequests.approve(mr.id, { by: 'shipshape', via: 'policy', at: new Date().toISOString() });
  const url = `${deps.publicUrl.replace(/\/$/, '')}/merge-requests/${mr.id}`;
  return {
    outcome: 'SUCCEEDED',
    message: `merge request ${mr.id} ${mr.status}${mr.approvals.length > 0 ? ', approved' : ', awaiting approval'}`,
    details: { mergeRequestId: mr.id, headCommit: mr.headCommit, approvals: String(mr.approvals.length) },
    acquired: [{ kind: 'merge-request', id: mr.id, attributes: { provider: 'builtin', repositoryUrl, branch, url } }],
    links: [{ label: 'merge request', url }],
  };
}

async function runMerge(cmd: StepCommand, deps: ChangeStepExecutorDeps): Promise<StepDecision> {
  const id = cmd.parameters.change?.mergeRequestId ?? cmd.resources.find((r) => r.kind === 'merge-request')?.id;
  const mr = id ? await deps.mergeRequests.get(id) : undefined;
  if (!mr) return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `merge request ${id ?? '(none)'} not found` };
  const done = (commit: string, how: string): StepDecision => ({
    outcome: 'SUCCEEDED',
    message: `merged ${mr.id} into ${mr.targetBranch} (${how})`,
    details: { mergeRequestId: mr.id, mergedCommit: commit, how },
  });
  if (mr.status === 'merged') return done(mr.mergedCommit!, 'already merged');
  if (mr.status === 'closed') return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `merge request ${mr.id} is closed` };
  // the merge command only comes after task-manager's approve control, or when the task approves by policy
  await deps.mergeRequests.approve(mr.id, { by: cmd.parameters.change?.autoMerge ? 'shipshape' : 'task-manager', via: cmd.parameters.change?.autoMerge ? 'policy' : 'manual', at: new Date().toISOString() });

  const url = mr.repositoryUrl;
  const branch = await deps.workspaces.remoteBranch(url, mr.sourceBranch);
  if (!branch) return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `branch ${mr.sourceBranch} is gone` };
  const targetHead = (await deps.workspaces.headOf(url, mr.targetBranch))!;
  if (await deps.workspaces.isAncestor(url, branch.commit, targetHead)) {
    await deps.mergeRequests.markMerged(mr.id, branch.commit); // pushed last time, recorded now
    return done(branch.commit, 'already in the target branch');
  }
  try {
    if (await deps.workspaces.isAncestor(url, targetHead, branch.commit)) {
      await deps.workspaces.pushTo(url, deps.workspaces.mirrorPath(url), branch.commit, mr.targetBranch, targetHead);
      await deps.mergeRequests.markMerged(mr.id, branch.commit);
      return done(branch.commit, 'fast-forward');
    }
    const wt = await deps.workspaces.createWorktree(url, mr.sourceBranch, `merge-${mr.id}-${cmd.stepId}`);
    try {
      const base = await deps.workspaces.mergeBase(url, targetHead, branch.commit);
      let how = 'rebased';
      if (!(await deps.workspaces.cherryPick(wt, base, branch.commit, deps.author))) {
        how = 're-applied the recipe';
        const result = await runRecipes(wt.dir, rulesOf(cmd), { registry: deps.registry }).catch((err: unknown) => err as Error);
        const message = await deps.workspaces.commitMessage(url, branch.commit);
        const commit = result instanceof Error || !result.applicable ? undefined : await deps.workspaces.commitAll(wt, deps.author, message.replace(/^Shipshape-Step-Id:.*$/m, '').trim(), cmd.stepId);
        if (!commit) {
          return { outcome: 'FAILED', errorClass: 'MERGE_CONFLICT', message: `${mr.sourceBranch} conflicts with ${mr.targetBranch} and re-applying the recipe ${result instanceof Error ? `failed: ${result.message}` : 'changed nothing'}` };
        }
      }
      const head = (await git(['rev-parse', 'HEAD'], { cwd: wt.dir })).trim();
      await deps.workspaces.pushTo(url, wt.dir, head, mr.sourceBranch, branch.commit);
      await deps.workspaces.pushTo(url, wt.dir, head, mr.targetBranch, targetHead);
      await deps.mergeRequests.markMerged(mr.id, head);
      return done(head, how);
    } finally {
      await deps.workspaces.removeWorktree(url, wt);
    }
  } catch (err) {
    if (err instanceof GitCommandError && /stale info|rejected|fetch first/.test(err.message)) {
      return { outcome: 'FAILED', errorClass: 'MERGE_CONFLICT', message: `${mr.targetBranch} moved while merging; retry after rebase`, details: { code: err.code } };
    }
    throw err;
  }
}

/** Runs one accepted step; expected domain failures come back as FAILED decisions, never as throws. */
export async function executeStep(cmd: StepCommand, deps: ChangeStepExecutorDeps): Promise<StepResultInput> {
  const started = Date.now();
  let decision: StepDecision;
  try {
    if (cmd.deadline > 0 && started > cmd.deadline) {
      decision = { outcome: 'FAILED', errorClass: 'TIMEOUT', message: `the step's deadline passed before it ran (${new Date(cmd.deadline).toISOString()})` };
    } else switch (cmd.stage) {
      case 'change':
        decision = await runChange(cmd, deps);
        break;
      case 'review':
        decision = await runReview(cmd, deps);
        break;
      case 'merge':
        decision = await runMerge(cmd, deps);
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
    links: decision.outcome === 'SUCCEEDED' ? (decision.links ?? []) : [],
    usage: { durationMs: Date.now() - started },
  };
}

function classify(err: unknown): StepDecision {
  if (isShipshapeError(err) && ['CHANGE.INVALID_INPUT', 'CHANGE.INVALID_OPTIONS', 'CHANGE.UNKNOWN_RECIPE'].includes(err.code)) {
    return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: err.message, details: { code: err.code } };
  }
  if (isShipshapeError(err, 'CHANGE.RECIPE_FAILED')) {
    const unresolved = (err.details as { unresolved?: boolean }).unresolved === true;
    return { outcome: 'FAILED', errorClass: unresolved ? 'DEPENDENCY_RESOLUTION' : 'INTERNAL', message: err.message, details: { code: err.code } };
  }
  if (err instanceof GitCommandError) return { outcome: 'FAILED', errorClass: 'TRANSIENT', message: err.message, details: { code: err.code } };
  return { outcome: 'FAILED', errorClass: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
