import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChange, type ChangeInput } from '../change/apply-change';
import { git, GitCommandError, redact } from './git-runner';
import { branchName, GitWorkspaces } from './git-workspaces';
import { commitToBare, createBareRepo } from './seed-repo';

const fixture = resolve(__dirname, '../recipes/maven/__fixtures__/multi-module');
let root: string;
let remote: string;
let workspaces: GitWorkspaces;

const input = (over: Partial<ChangeInput> = {}): ChangeInput => ({
  remoteUrl: `file://${remote}`,
  taskId: 'rpc-2.0',
  application: 'billing',
  stepId: 'run-1:change:1',
  rules: [{ recipe: 'maven', options: { groupId: 'com.acme.rpc', artifactId: '*', toVersion: '2.0.0' } }],
  author: { name: 'Shipshape Bot', email: 'shipshape@example.com' },
  ...over,
});

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'shipshape-git-'));
  remote = join(root, 'remotes', 'billing.git');
  await createBareRepo(remote, { fromDir: fixture });
  workspaces = new GitWorkspaces({ cacheDir: join(root, 'cache'), workDir: join(root, 'work') });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('git workspaces on real bare repositories', () => {
  it('branches, edits, commits with the configured author and trailer, pushes; the pushed diff is exactly the recipe edit', async () => {
    const out = await applyChange(workspaces, input());
    expect(out.kind).toBe('pushed');
    if (out.kind !== 'pushed') return;
    expect(out.branch).toBe('shipshape/rpc-2.0/billing');
    const head = (await git(['rev-parse', 'refs/heads/shipshape/rpc-2.0/billing'], { cwd: remote })).trim();
    expect(head).toBe(out.commit);
    const diff = await git(['diff', 'main', out.branch, '--unified=0'], { cwd: remote });
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-        <rpc.version>1.8.2</rpc.version> <!-- keep in sync with platform -->',
      '+        <rpc.version>2.0.0</rpc.version> <!-- keep in sync with platform -->',
    ]);
    const log = await git(['log', '-1', '--format=%an <%ae>%n%B', out.branch], { cwd: remote });
    expect(log).toContain('Shipshape Bot <shipshape@example.com>');
    expect(log).toContain('shipshape(rpc-2.0): upgrade com.acme.rpc:rpc-client to 2.0.0, com.acme.rpc:rpc-server to 2.0.0');
    expect(log).toContain('Shipshape-Step-Id: run-1:change:1');
    // the worktree is gone, the mirror stays for the next run
    expect(readdirSync(join(root, 'work'))).toEqual([]);
    expect(readdirSync(join(root, 'cache'))).toHaveLength(1);
  });

  it('a repeated step (same step id) finds its branch and commit instead of making new ones', async () => {
    const before = (await git(['rev-parse', 'refs/heads/shipshape/rpc-2.0/billing'], { cwd: remote })).trim();
    const again = await applyChange(workspaces, input());
    expect(again).toMatchObject({ kind: 'pushed', commit: before, reused: true });
    expect((await git(['rev-list', '--count', 'shipshape/rpc-2.0/billing'], { cwd: remote })).trim()).toBe('2');
  });

  it('a new attempt (new step id) rebuilds the branch from the moved default branch and replaces it with a lease', async () => {
    const main = await commitToBare(remote, 'main', { 'README.md': '# billing\n' }, 'docs: readme');
    const retry = await applyChange(workspaces, input({ stepId: 'run-1:change:2', message: 'Upgrade rpc to 2.0.0 (security fix)' }));
    expect(retry).toMatchObject({ kind: 'pushed', reused: false, baseCommit: main });
    const parents = (await git(['log', '-1', '--format=%P%n%s', 'shipshape/rpc-2.0/billing'], { cwd: remote })).trim().split('\n');
    expect(parents).toEqual([main, 'Upgrade rpc to 2.0.0 (security fix)']);
  });

  it('the lease refuses to overwrite a branch someone else moved', async () => {
    const theirs = await commitToBare(remote, 'shipshape/rpc-2.0/billing', { 'NOTE.md': 'manual fix\n' }, 'manual fix');
    // our mirror still believes the old head: push with the stale lease must fail and leave theirs
    const wt = await workspaces.createWorktree(`file://${remote}`, 'shipshape/rpc-2.0/billing', 'lease-test');
    try {
      await git(['commit', '--quiet', '--allow-empty', '-m', 'x'], { cwd: wt.dir, env: { GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@b', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@b' } });
      await expect(workspaces.push(`file://${remote}`, wt, wt.baseCommit)).rejects.toMatchObject({ code: 'CHANGE.GIT_FAILED' });
    } finally {
      await workspaces.removeWorktree(`file://${remote}`, wt);
    }
    expect((await git(['rev-parse', 'refs/heads/shipshape/rpc-2.0/billing'], { cwd: remote })).trim()).toBe(theirs);
  });

  it('an application that does not use the component is not applicable and leaves no branch', async () => {
    const out = await applyChange(workspaces, input({ application: 'payments', rules: [{ recipe: 'npm', options: { packageName: 'left-pad', toVersion: '1.3.0' } }] }));
    expect(out.kind).toBe('not-applicable');
    expect((await git(['branch', '--list', 'shipshape/rpc-2.0/payments'], { cwd: remote })).trim()).toBe('');
    expect(readFileSync(join(remote, 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
  });

  it('deletes a branch on release; deleting again is a no-op', async () => {
    expect(await workspaces.deleteBranch(`file://${remote}`, 'shipshape/rpc-2.0/billing')).toBe(true);
    expect(await workspaces.deleteBranch(`file://${remote}`, 'shipshape/rpc-2.0/billing')).toBe(false);
    expect((await git(['branch', '--list', 'shipshape/*'], { cwd: remote })).trim()).toBe('');
  });

  it('names branches deterministically and never prints credentials', () => {
    expect(branchName('Rpc 2.0 / Q3', 'Order Service')).toBe('shipshape/rpc-2.0-q3/order-service');
    expect(redact('fatal: could not read https://bot:s3cret@git.example.com/a.git')).toBe('fatal: could not read https://***@git.example.com/a.git');
  });
});

describe('remote credentials', () => {
  it('sends credentials as an Authorization header to their host only (scoped to scheme, host and port), and never prints them', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(403).end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const ws = new GitWorkspaces({ cacheDir: join(root, 'cache-https'), workDir: join(root, 'work-https'), credentials: [{ host: '127.0.0.1', username: 'bot', token: 's3cret-token' }] });
      const err = await ws.syncMirror(`http://127.0.0.1:${port}/acme/app.git`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitCommandError);
      expect(JSON.stringify((err as GitCommandError).toJSON())).not.toContain('s3cret');
      expect((err as GitCommandError).details).toMatchObject({ host: '127.0.0.1' });
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((h) => h === `Basic ${Buffer.from('bot:s3cret-token').toString('base64')}`)).toBe(true);
      // another host gets nothing
      seen.length = 0;
      const other = new GitWorkspaces({ cacheDir: join(root, 'cache-https2'), workDir: join(root, 'work-https2'), credentials: [{ host: 'git.example.com', username: 'bot', token: 's3cret-token' }] });
      await expect(other.syncMirror(`http://127.0.0.1:${port}/acme/app.git`)).rejects.toBeInstanceOf(GitCommandError);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((h) => h === undefined)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('uses the configured ssh command for ssh remotes', async () => {
    const log = join(root, 'ssh.log');
    const fakeSsh = join(root, 'fake-ssh.sh');
    writeFileSync(fakeSsh, `#!/bin/sh\necho "$@" >> ${log}\nexit 255\n`);
    chmodSync(fakeSsh, 0o755);
    const ws = new GitWorkspaces({ cacheDir: join(root, 'cache-ssh'), workDir: join(root, 'work-ssh'), sshCommand: fakeSsh });
    await expect(ws.syncMirror('git@git.example.com:acme/app.git')).rejects.toBeInstanceOf(GitCommandError);
    expect(readFileSync(log, 'utf8')).toContain('git@git.example.com');
  });
});
