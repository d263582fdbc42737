import type { ReportEntry } from '../recipes/recipe';
import { runRecipes, type Rule } from '../recipes/runner';
import type { RegisteredRecipe } from '../recipes/recipe';
import { git } from '../git/git-runner';
import { branchName, type CommitAuthor, type GitWorkspaces } from '../git/git-workspaces';

export interface ChangeInput {
  readonly remoteUrl: string;
  readonly taskId: string;
  readonly application: string;
  readonly stepId: string;
  readonly rules: readonly Rule[];
  readonly author: CommitAuthor;
  /** Default `shipshape/<task>/<application>`. */
  readonly branch?: string;
  /** First line; the per-dependency report is appended. Default: built from the report. */
  readonly message?: string;
  /** Why the change is made (e.g. the task's component change); default names the task. */
  readonly why?: string;
  /**
   * The component the change is about (report subject, e.g. `com.acme:rpc-client`). When the recipes
   * skipped every declaration of it (a typed skip reason) and set none, nothing is committed: the
   * outcome is `skipped` (the other rules' edits alone would leave the code out of step with it).
   */
  readonly component?: string;
}

export type ChangeOutcome =
  | { readonly kind: 'pushed'; readonly branch: string; readonly commit: string; readonly baseCommit: string; readonly reused: boolean; readonly report: readonly ReportEntry[]; readonly diff: string }
  | { readonly kind: 'not-applicable'; readonly report: readonly ReportEntry[] }
  | { readonly kind: 'already-at-target'; readonly report: readonly ReportEntry[] }
  | { readonly kind: 'skipped'; readonly report: readonly ReportEntry[]; readonly skipped: readonly ReportEntry[] };

/** The declarations of `component` the recipes skipped, when they skipped some and set or found none at target. */
export function skippedComponent(report: readonly ReportEntry[], component: string | undefined): ReportEntry[] {
  if (!component) return [];
  const about = report.filter((e) => e.subject === component);
  const skipped = about.filter((e) => e.outcome === 'skipped');
  return about.some((e) => e.outcome === 'updated' || e.outcome === 'already-at-target') ? [] : skipped;
}

export function commitMessage(input: Pick<ChangeInput, 'taskId' | 'message' | 'why'>, report: readonly ReportEntry[]): string {
  const updated = report.filter((e) => e.outcome === 'updated');
  const subjects = [...new Set(updated.map((e) => (e.to ? `${e.subject} to ${e.to}` : e.subject)))];
  const head = input.message?.trim() || `shipshape(${input.taskId}): upgrade ${subjects.slice(0, 3).join(', ')}${subjects.length > 3 ? ', …' : ''}`;
  const lines = report.map((e) => `- ${e.file}: ${e.subject} ${e.outcome}${e.from || e.to ? ` ${e.from ?? '?'} -> ${e.to ?? '?'}` : ''}${e.reason ? ` (${e.reason})` : ''}`);
  return `${head}\n\n${input.why?.trim() || `Changed by Shipshape task ${input.taskId}.`}\n\n${lines.join('\n')}`;
}

/**
 * The `change` step: branch `shipshape/<task>/<application>` from the default branch, apply the
 * rules, commit, push with a lease. Check before act: when the remote branch's head was made by this
 * step id, it is returned as is (no new commit, no push).
 */
export async function applyChange(
  workspaces: GitWorkspaces,
  input: ChangeInput,
  opts: { registry?: ReadonlyMap<string, RegisteredRecipe> } = {},
): Promise<ChangeOutcome> {
  const branch = input.branch ?? branchName(input.taskId, input.application);
  const existing = await workspaces.remoteBranch(input.remoteUrl, branch);
  if (existing?.stepId === input.stepId) {
    const mirror = workspaces.mirrorPath(input.remoteUrl);
    const baseCommit = (await git(['rev-parse', `${existing.commit}^`], { cwd: mirror })).trim();
    return { kind: 'pushed', branch, commit: existing.commit, baseCommit, reused: true, report: [], diff: await workspaces.diff(input.remoteUrl, baseCommit, existing.commit) };
  }
  const wt = await workspaces.createWorktree(input.remoteUrl, branch, `${input.application}-${input.stepId}`, { synced: true });
  try {
    const result = await runRecipes(wt.dir, input.rules, { registry: opts.registry });
    if (!result.applicable) return { kind: 'not-applicable', report: result.report };
    const skipped = skippedComponent(result.report, input.component);
    if (skipped.length > 0) return { kind: 'skipped', report: result.report, skipped };
    const commit = await workspaces.commitAll(wt, input.author, commitMessage(input, result.report), input.stepId);
    if (!commit) return { kind: 'already-at-target', report: result.report };
    await workspaces.push(input.remoteUrl, wt, existing?.commit);
    return { kind: 'pushed', branch, commit, baseCommit: wt.baseCommit, reused: false, report: result.report, diff: await workspaces.diff(input.remoteUrl, wt.baseCommit, commit) };
  } finally {
    await workspaces.removeWorktree(input.remoteUrl, wt);
  }
}
