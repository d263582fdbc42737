import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isManifestCandidate, type FileTree } from '@shipshape/manifests';
import { runGit } from './git';

export interface TreeAtRef {
  readonly commit: string;
  readonly tree: FileTree;
}

/**
 * Reads a repository at a ref through a bare mirror cache (one per remote URL, cloned once and
 * fetched after): the manifests are read straight from the object store (`ls-tree` + one
 * `cat-file --batch`), so no work tree is checked out.
 */
export class GitSource {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly cacheDir: string) {}

  mirrorOf(url: string): string {
    return join(this.cacheDir, 'mirrors', `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.git`);
  }

  /** Clones or fetches the mirror (serialised per URL in this process; a clone lands atomically by rename). */
  async sync(url: string): Promise<string> {
    const mirror = this.mirrorOf(url);
    const previous = this.locks.get(mirror) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      if (existsSync(mirror)) {
        await runGit(['--git-dir', mirror, 'fetch', '--quiet', '--prune', '--force', 'origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
        await runGit(['--git-dir', mirror, 'remote', 'set-head', 'origin', '--auto']).catch(() => undefined);
        return mirror;
      }
      await mkdir(join(this.cacheDir, 'mirrors'), { recursive: true });
      const tmp = `${mirror}.tmp-${randomUUID()}`;
      await runGit(['clone', '--quiet', '--mirror', url, tmp]);
      try {
        await rename(tmp, mirror);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        if (!existsSync(mirror)) throw err;
      }
      return mirror;
    });
    this.locks.set(mirror, next);
    return next;
  }

  /** Writes the files of a commit (already synced) into `dir` (git archive | tar), for tools that need a work tree. */
  async export(url: string, commit: string, dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const archive = await runGit(['--git-dir', this.mirrorOf(url), 'archive', '--format=tar', commit]);
    await new Promise<void>((resolve, reject) => {
      const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      tar.stderr.on('data', (b: Buffer) => (err += b.toString()));
      tar.on('error', reject);
      tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed (${code}): ${err.trim()}`))));
      tar.stdin.end(archive);
    });
  }

  /** The commit a ref names (`HEAD` is the remote's default branch) and its manifests as a FileTree. */
  async treeAt(url: string, ref: string): Promise<TreeAtRef> {
    const mirror = await this.sync(url);
    const commit = (await runGit(['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).toString().trim();
    const listing = (await runGit(['--git-dir', mirror, 'ls-tree', '-r', '-z', '--full-tree', commit])).toString();
    const wanted: { path: string; sha: string }[] = [];
    for (const row of listing.split('\0')) {
      const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(row);
      if (m && isManifestCandidate(m[2]!)) wanted.push({ path: m[2]!, sha: m[1]! });
    }
    const contents = new Map<string, string>();
    if (wanted.length > 0) {
      const out = await runGit(['--git-dir', mirror, 'cat-file', '--batch'], { input: wanted.map((w) => w.sha).join('\n') + '\n' });
      let pos = 0;
      for (const w of wanted) {
        const nl = out.indexOf(10, pos);
        const header = out.subarray(pos, nl).toString();
        const size = Number(header.split(' ')[2]);
        contents.set(w.path, out.subarray(nl + 1, nl + 1 + size).toString('utf8'));
        pos = nl + 1 + size + 1;
      }
    }
    const files = wanted.map((w) => w.path).sort();
    return {
      commit,
      tree: {
        files,
        read: (path) => {
          const c = contents.get(path);
          if (c === undefined) throw new Error(`no such file at ${commit}: ${path}`);
          return c;
        },
      },
    };
  }
}
