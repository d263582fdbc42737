import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Build, BuildOutcome, BuildRequest, InstanceHandle, RuntimeDriver, StartOutcome, StartRequest } from './runtime-driver';
import { freePort, killGroup, portAnswers, processAlive, runCommand, spawnDetached } from './process-group';

const execFileAsync = promisify(execFile);
const BUILT_MARKER = '.shipshape-build.json';
const HOST = '127.0.0.1';

export interface LocalDriverOptions {
  readonly workDir: string;
  readonly buildTimeoutMs: number;
  readonly startTimeoutMs: number;
}

/** File-system safe name for an application or instance id. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function git(args: readonly string[], cwd?: string): Promise<{ ok: boolean; stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileAsync('git', [...args], { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    return { ok: true, stdout: stdout.trim(), stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    return { ok: false, stdout: (e.stdout ?? '').trim(), stderr: e.stderr ?? String(error), code: typeof e.code === 'number' ? e.code : -1 };
  }
}

async function tail(file: string, chars = 2_000): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.slice(-chars);
  } catch {
    return '';
  }
}

/** The version an application declares at a checkout: VERSION file, else package.json version, else the short commit. */
export async function readVersion(dir: string, commit: string): Promise<string> {
  try {
    const v = (await readFile(join(dir, 'VERSION'), 'utf8')).trim();
    if (v !== '') return v;
  } catch {
    // no VERSION file
  }
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof pkg.version === 'string' && pkg.version !== '') return pkg.version;
  } catch {
    // no package.json
  }
  return commit.slice(0, 12);
}

/** The variables an instance process gets: a minimal base (no secrets of release-service), then the request's. */
function instanceEnv(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']) if (process.env[key] !== undefined) base[key] = process.env[key];
  return { ...base, ...extra };
}

/**
 * The `local` runtime: a mirror clone per application, one checkout per built commit (built once, then
 * reused: a repeated step finds it), and instances as detached process groups on free ports of 127.0.0.1.
 */
export class LocalRuntimeDriver implements RuntimeDriver {
  readonly name = 'local';

  constructor(private readonly options: LocalDriverOptions) {}

  private mirrorDir(application: string): string {
    return join(this.options.workDir, 'repos', `${safe(application)}.git`);
  }

  private async syncMirror(request: BuildRequest): Promise<string | null> {
    const mirror = this.mirrorDir(request.application);
    if (existsSync(join(mirror, 'HEAD'))) {
      const fetched = await git(['--git-dir', mirror, 'fetch', '--quiet', '--prune', request.repositoryUrl, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
      return fetched.ok ? null : fetched.stderr.trim();
    }
    await mkdir(join(this.options.workDir, 'repos'), { recursive: true });
    const tmp = `${mirror}.tmp-${process.pid}-${Date.now()}`;
    const cloned = await git(['clone', '--quiet', '--mirror', request.repositoryUrl, tmp]);
    if (!cloned.ok) {
      await rm(tmp, { recursive: true, force: true });
      return cloned.stderr.trim();
    }
    try {
      await rename(tmp, mirror);
    } catch {
      // another worker made it first
      await rm(tmp, { recursive: true, force: true });
    }
    return null;
  }

  async build(request: BuildRequest): Promise<BuildOutcome> {
    const problem = await this.syncMirror(request);
    if (problem !== null) return { kind: 'clone-failed', message: problem };
    const mirror = this.mirrorDir(request.application);
    const resolved = await git(['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', `${request.gitRef}^{commit}`]);
    if (!resolved.ok || resolved.stdout === '') return { kind: 'ref-not-found', gitRef: request.gitRef };
    const commit = resolved.stdout;
    const onBranch = await git(['--git-dir', mirror, 'merge-base', '--is-ancestor', commit, `refs/heads/${request.defaultBranch}`]);
    if (!onBranch.ok) return { kind: 'not-on-default-branch', commit, defaultBranch: request.defaultBranch };

    const dir = join(this.options.workDir, 'builds', safe(request.application), commit);
    const marker = join(dir, BUILT_MARKER);
    if (existsSync(marker)) {
      const build = JSON.parse(await readFile(marker, 'utf8')) as Build;
      return { kind: 'built', build, reused: true };
    }
    // A checkout without the marker is a build that did not finish: start it again from scratch.
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, '..'), { recursive: true });
    const cloned = await git(['clone', '--quiet', '--no-checkout', mirror, dir]);
    if (!cloned.ok) return { kind: 'clone-failed', message: cloned.stderr.trim() };
    const checkedOut = await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', commit], dir);
    if (!checkedOut.ok) return { kind: 'clone-failed', message: checkedOut.stderr.trim() };

    if (request.buildCommand !== null && request.buildCommand.trim() !== '') {
      const logFile = join(dir, '..', `${commit}.build.log`);
      const outcome = await runCommand(request.buildCommand, { cwd: dir, env: instanceEnv({ CI: 'true' }), logFile, timeoutMs: this.options.buildTimeoutMs });
      if (outcome.exitCode !== 0) {
        return { kind: 'build-failed', commit, exitCode: outcome.exitCode, timedOut: outcome.timedOut, logTail: await tail(logFile) };
      }
    }
    const build: Build = { commit, version: await readVersion(dir, commit), location: dir };
    await writeFile(marker, JSON.stringify(build));
    return { kind: 'built', build, reused: false };
  }

  async start(request: StartRequest): Promise<StartOutcome> {
    const logDir = join(this.options.workDir, 'logs', safe(request.application));
    await mkdir(logDir, { recursive: true });
    const port = await freePort(HOST);
    const logFile = join(logDir, `${safe(request.instanceId)}-${port}.log`);
    const pid = spawnDetached(request.startCommand, { cwd: request.location, env: instanceEnv({ ...request.env, PORT: String(port), HOST }), logFile });
    const deadline = Date.now() + this.options.startTimeoutMs;
    while (Date.now() < deadline) {
      if (!processAlive(pid)) return { kind: 'start-failed', message: 'the instance exited before it listened on its port', logTail: await tail(logFile) };
      if (await portAnswers(HOST, port, 200)) return { kind: 'started', pid, port, address: `${HOST}:${port}` };
      await new Promise((r) => setTimeout(r, 25));
    }
    await killGroup(pid, 500);
    return { kind: 'start-failed', message: `the instance did not listen on port ${port} within ${this.options.startTimeoutMs} ms`, logTail: await tail(logFile) };
  }

  async stop(instance: InstanceHandle): Promise<void> {
    if (instance.pid !== null) await killGroup(instance.pid);
  }

  running(instance: InstanceHandle): boolean {
    return instance.pid !== null && processAlive(instance.pid);
  }

  async prune(application: string, keep: readonly string[]): Promise<string[]> {
    const dir = join(this.options.workDir, 'builds', safe(application));
    const kept = new Set(keep.map((k) => resolve(k)));
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const entry of entries) {
      // <commit> checkouts and their <commit>.build.log
      const build = resolve(dir, entry.endsWith('.build.log') ? entry.slice(0, -'.build.log'.length) : entry);
      if (kept.has(build)) continue;
      await rm(join(dir, entry), { recursive: true, force: true });
      if (!entry.endsWith('.build.log')) removed.push(build);
    }
    return removed;
  }

  async alive(instance: InstanceHandle): Promise<boolean> {
    if (instance.pid === null || instance.address === null || !processAlive(instance.pid)) return false;
    const [host, port] = instance.address.split(':');
    return portAnswers(host ?? HOST, Number(port), 500);
  }
}
