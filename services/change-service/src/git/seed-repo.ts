import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from './git-runner';

const AUTHOR = { GIT_AUTHOR_NAME: 'Fleet Owner', GIT_AUTHOR_EMAIL: 'owner@example.com', GIT_COMMITTER_NAME: 'Fleet Owner', GIT_COMMITTER_EMAIL: 'owner@example.com' };

/**
 * Creates a real bare repository at `bareDir` whose default branch holds `files` (or a copy of
 * `fromDir`) in one commit. Used by tests, the sample fleet and the benchmark.
 */
export async function createBareRepo(bareDir: string, content: { files?: Record<string, string>; fromDir?: string }, defaultBranch = 'main'): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'shipshape-seed-'));
  try {
    await git(['init', '--quiet', '--initial-branch', defaultBranch, work]);
    if (content.fromDir) await cp(content.fromDir, work, { recursive: true });
    for (const [path, text] of Object.entries(content.files ?? {})) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), text);
    }
    await git(['add', '--all'], { cwd: work });
    await git(['commit', '--quiet', '-m', 'initial import'], { cwd: work, env: AUTHOR });
    await mkdir(dirname(bareDir), { recursive: true });
    await git(['clone', '--quiet', '--bare', work, bareDir]);
    return (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Adds a commit to `branch` of a bare repository (simulates a developer pushing to the default branch). */
export async function commitToBare(bareDir: string, branch: string, files: Record<string, string>, message: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'shipshape-push-'));
  try {
    await git(['clone', '--quiet', '--branch', branch, bareDir, work]);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), text);
    }
    await git(['add', '--all'], { cwd: work });
    await git(['commit', '--quiet', '-m', message], { cwd: work, env: AUTHOR });
    await git(['push', '--quiet', 'origin', branch], { cwd: work });
    return (await git(['rev-parse', 'HEAD'], { cwd: work })).trim();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
