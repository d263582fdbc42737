import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.test', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();

/** A real bare repository (file:// URL) made from a fixture directory, with helpers to commit more. */
export interface BareRepo {
  readonly url: string;
  readonly root: string;
  commit(files: Readonly<Record<string, string>>, message: string): string;
  head(): string;
  cleanup(): void;
}

export function bareRepoFrom(fixtureDir: string | null, files: Readonly<Record<string, string>> = {}): BareRepo {
  const root = mkdtempSync(join(tmpdir(), 'detection-repo-'));
  const work = join(root, 'work');
  const bare = join(root, 'origin.git');
  mkdirSync(work);
  git(work, 'init', '-q');
  if (fixtureDir) cpSync(fixtureDir, work, { recursive: true });
  const write = (fs: Readonly<Record<string, string>>) => {
    for (const [path, content] of Object.entries(fs)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
  };
  write(files);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'initial');
  git(root, 'clone', '-q', '--bare', work, bare);
  git(work, 'remote', 'add', 'origin', bare);
  return {
    url: `file://${bare}`,
    root,
    commit(fs, message) {
      write(fs);
      git(work, 'add', '-A');
      git(work, 'commit', '-q', '-m', message);
      git(work, 'push', '-q', 'origin', 'HEAD:main');
      return git(work, 'rev-parse', 'HEAD');
    },
    head: () => git(work, 'rev-parse', 'HEAD'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
