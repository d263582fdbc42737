import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { git, GitCommandError, type GitCredential } from './git-runner';

export interface GitWorkspacesConfig {
  /** Where bare mirrors live, one per remote (reused by every run: a fleet is not cloned from scratch each time). */
  readonly cacheDir: string;
  /** Where per-run worktrees are created. */
  readonly workDir: string;
  readonly credentials?: readonly GitCredential[];
  /** For ssh remotes, e.g. `ssh -i /keys/shipshape -o StrictHostKeyChecking=accept-new` (GIT_SSH_COMMAND). */
  readonly sshCommand?: string;
}

export interface CommitAuthor {
  readonly name: string;
  readonly email: string;
}

/** `shipshape/<task>/<application>`, each part reduced to characters git accepts in a ref. */
export function branchName(task: string, application: string): string {
  const part = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').replace(/\.{2,}/g, '.') || 'x';
  return `shipshape/${part(task)}/${part(application)}`;
}

export const STEP_TRAILER = 'Shipshape-Step-Id';

/** A branch head on the remote and the step that made it (from the commit trailer). */
export interface RemoteBranch {
  readonly commit: string;
  readonly stepId: string | undefined;
}

/** A worktree for one run, on a branch starting at the remote's default branch. */
export interface Worktree {
  readonly dir: string;
  readonly branch: string;
  readonly baseCommit: string;
  readonly defaultBranch: string;
}

/**
 * Real git workspaces: a bare mirror per remote in `cacheDir` (fetched, never re-cloned) and a
 * worktree per run. Every side effect is keyed: the branch name is deterministic and each commit
 * carries a `Shipshape-Step-Id` trailer, so a repeated step finds what it made.
 */
export class GitWorkspaces {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly config: GitWorkspacesConfig) {}

  /** How to reach a remote: an https credential for its host, or the configured ssh command. */
  private credentialFor(url: string): { credential?: GitCredential; credentialScope?: string; host?: string; env?: Record<string, string> } {
    const env = this.config.sshCommand ? { GIT_SSH_COMMAND: this.config.sshCommand } : undefined;
    const https = /^(https?):\/\/(?:[^@/]+@)?([^/:]+)(:\d+)?/.exec(url);
    if (https) {
      const credential = this.config.credentials?.find((c) => c.host === https[2]);
      return { host: https[2], credential, credentialScope: `${https[1]}://${https[2]}${https[3] ?? ''}/` };
    }
    const ssh = /^(?:ssh:\/\/)?(?:[^@/]+@)?([^/:]+)[:/]/.exec(url);
    return ssh && !url.startsWith('file:') && !url.startsWith('/') ? { host: ssh[1], env } : {};
  }

  /** Serialises git work on one mirror (worktree add/prune and fetch take repository locks). */
  private withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    this.locks.set(key, next.catch(() => undefined));
    return next;
  }

  mirrorPath(remoteUrl: string): string {
    const id = createHash('sha256').update(remoteUrl).digest('hex').slice(0, 16);
    const name = remoteUrl.replace(/\.git$/, '').split(/[/:]/).filter(Boolean).at(-1)?.replace(/[^\w.-]/g, '_') ?? 'repo';
    return join(this.config.cacheDir, `${name}-${id}.git`);
  }

  /** Clones the bare mirror once, then fetches (with prune) on each use. */
  async syncMirror(remoteUrl: string): Promise<string> {
    const mirror = this.mirrorPath(remoteUrl);
    const auth = this.credentialFor(remoteUrl);
    return this.withLock(mirror, async () => {
      if (!existsSync(join(mirror, 'HEAD'))) {
        await mkdir(this.config.cacheDir, { recursive: true });
        await rm(mirror, { recursive: true, force: true });
        await git(['clone', '--mirror', '--quiet', remoteUrl, mirror], auth);
      } else {
        await git(['fetch', '--prune', '--quiet', remoteUrl, '+refs/heads/*:refs/heads/*'], { cwd: mirror, ...auth });
      }
      return mirror;
    });
  }

  /** The head of `branch` on the remote, or undefined when it does not exist. */
  async remoteBranch(remoteUrl: string, branch: string): Promise<RemoteBranch | undefined> {
    const mirror = await this.syncMirror(remoteUrl);
    const commit = (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: mirror }).catch(() => '')).trim();
    if (!commit) return undefined;
    const message = await git(['log', '-1', '--format=%B', commit], { cwd: mirror });
    const stepId = new RegExp(`^${STEP_TRAILER}: (.+)$`, 'm').exec(message)?.[1]?.trim();
    return { commit, stepId };
  }

  async defaultBranch(mirror: string): Promise<string> {
    const ref = (await git(['symbolic-ref', 'HEAD'], { cwd: mirror })).trim();
    return ref.replace(/^refs\/heads\//, '');
  }

  /** A fresh worktree (for this run) at the default branch's head; commits go to `branch` on push. */
  async createWorktree(remoteUrl: string, branch: string, runKey: string, opts: { synced?: boolean } = {}): Promise<Worktree> {
    const mirror = opts.synced ? this.mirrorPath(remoteUrl) : await this.syncMirror(remoteUrl);
    const defaultBranch = await this.defaultBranch(mirror);
    const baseCommit = (await git(['rev-parse', `refs/heads/${defaultBranch}`], { cwd: mirror })).trim();
    const dir = join(this.config.workDir, runKey.replace(/[^\w.-]+/g, '_'));
    await this.withLock(mirror, async () => {
      if (existsSync(dir)) {
        // left over by a crashed run
        await git(['worktree', 'remove', '--force', dir], { cwd: mirror }).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
        await git(['worktree', 'prune'], { cwd: mirror });
      }
      await mkdir(this.config.workDir, { recursive: true });
      await git(['worktree', 'add', '--quiet', '--detach', dir, baseCommit], { cwd: mirror });
    });
    // Detached: the mirror keeps fetching every branch (git refuses to update a branch checked out in a worktree).
    return { dir, branch, baseCommit, defaultBranch };
  }

  /** Stages everything and commits; returns the commit, or undefined when there is nothing to commit. */
  async commitAll(wt: Worktree, author: CommitAuthor, message: string, stepId: string): Promise<string | undefined> {
    await git(['add', '--all'], { cwd: wt.dir });
    const status = await git(['status', '--porcelain'], { cwd: wt.dir });
    if (status.trim() === '') return undefined;
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    const body = `${message.trimEnd()}\n\n${STEP_TRAILER}: ${stepId}\n`;
    await git(['commit', '--quiet', '--no-verify', '-m', body], { cwd: wt.dir, env });
    return (await git(['rev-parse', 'HEAD'], { cwd: wt.dir })).trim();
  }

  /**
   * Pushes the worktree's branch with a lease: it only replaces the remote branch if it still points
   * at `expected` (undefined: the branch must not exist yet).
   */
  async push(remoteUrl: string, wt: Worktree, expected: string | undefined): Promise<void> {
    const auth = this.credentialFor(remoteUrl);
    const ref = `refs/heads/${wt.branch}`;
    await git(['push', '--quiet', '--porcelain', `--force-with-lease=${ref}:${expected ?? ''}`, remoteUrl, `HEAD:${ref}`], { cwd: wt.dir, ...auth });
    // the worktree shares the mirror's objects: record the pushed head without fetching it back
    const mirror = this.mirrorPath(remoteUrl);
    await this.withLock(mirror, () => git(['update-ref', ref, 'HEAD'], { cwd: wt.dir }));
  }

  /** Pushes `commit` (or the worktree's HEAD) to `branch` with a lease on its current head (undefined: must not exist). */
  async pushTo(remoteUrl: string, cwd: string, commit: string, branch: string, expected: string | undefined): Promise<void> {
    const auth = this.credentialFor(remoteUrl);
    const ref = `refs/heads/${branch}`;
    await git(['push', '--quiet', '--porcelain', `--force-with-lease=${ref}:${expected ?? ''}`, remoteUrl, `${commit}:${ref}`], { cwd, ...auth });
    const mirror = this.mirrorPath(remoteUrl);
    await this.withLock(mirror, () => git(['update-ref', ref, commit], { cwd: mirror }));
  }

  /** Commit of a branch in the (synced) mirror, or undefined. */
  async headOf(remoteUrl: string, branch: string): Promise<string | undefined> {
    const out = await git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: this.mirrorPath(remoteUrl) }).catch(() => '');
    return out.trim() || undefined;
  }

  async isAncestor(remoteUrl: string, ancestor: string, of: string): Promise<boolean> {
    return git(['merge-base', '--is-ancestor', ancestor, of], { cwd: this.mirrorPath(remoteUrl) }).then(
      () => true,
      () => false,
    );
  }

  async mergeBase(remoteUrl: string, a: string, b: string): Promise<string> {
    return (await git(['merge-base', a, b], { cwd: this.mirrorPath(remoteUrl) })).trim();
  }

  async commitMessage(remoteUrl: string, commit: string): Promise<string> {
    return git(['log', '-1', '--format=%B', commit], { cwd: this.mirrorPath(remoteUrl) });
  }

  /** Replays `from..to` onto the worktree's HEAD; on a conflict aborts and returns false (the worktree is back at its start). */
  async cherryPick(wt: Worktree, from: string, to: string, author: CommitAuthor): Promise<boolean> {
    const env = { GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
    try {
      await git(['cherry-pick', '--allow-empty', '--keep-redundant-commits', `${from}..${to}`], { cwd: wt.dir, env });
      return true;
    } catch (err) {
      if (!(err instanceof GitCommandError)) throw err;
      await git(['cherry-pick', '--abort'], { cwd: wt.dir }).catch(() => undefined);
      await git(['reset', '--quiet', '--hard', wt.baseCommit], { cwd: wt.dir });
      return false;
    }
  }

  /** Deletes a branch on the remote (no-op when it is already gone). */
  async deleteBranch(remoteUrl: string, branch: string): Promise<boolean> {
    const auth = this.credentialFor(remoteUrl);
    const existing = await this.remoteBranch(remoteUrl, branch);
    if (!existing) return false;
    await git(['push', '--quiet', `--force-with-lease=refs/heads/${branch}:${existing.commit}`, remoteUrl, `:refs/heads/${branch}`], auth);
    const mirror = this.mirrorPath(remoteUrl);
    await this.withLock(mirror, async () => {
      await git(['update-ref', '-d', `refs/heads/${branch}`], { cwd: mirror });
      await git(['worktree', 'prune'], { cwd: mirror }); // worktrees of crashed runs
    });
    return true;
  }

  /** Removes a run's worktree and prunes the mirror's worktree list. */
  async removeWorktree(remoteUrl: string, wt: Worktree): Promise<void> {
    const mirror = this.mirrorPath(remoteUrl);
    await this.withLock(mirror, async () => {
      await git(['worktree', 'remove', '--force', wt.dir], { cwd: mirror }).catch((err: unknown) => {
        if (!(err instanceof GitCommandError)) throw err;
      });
      await rm(wt.dir, { recursive: true, force: true });
    });
  }

  /** Unified diff of a commit against its parent, from the mirror. */
  async diff(remoteUrl: string, from: string, to: string): Promise<string> {
    return git(['diff', from, to], { cwd: this.mirrorPath(remoteUrl) });
  }
}
