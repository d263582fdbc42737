import { existsSync } from 'node:fs';
import { appendFile, mkdir, open, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RERUN_MARKER, classifyFailure, decideAfterRerun, type Phase } from '../classification';
import { buildCommand, startCommand as impliedStartCommand, testCommand, type ToolOptions } from './build-commands';
import type { DeployOutcome, EnvironmentDriver, EnvironmentRecord, PhaseFailure, PhaseListener, PhaseReport, ProcessRegistry, VerifyOutcome } from './environment.types';
import { killGroup, runCommand, startCommand, type CommandOutcome } from './process-group';

export interface LocalDriverOptions extends ToolOptions {
  readonly timeoutsMs: Record<Phase, number>;
  /** Bytes of a failing phase's log that go into the step result. */
  readonly tailBytes: number;
  readonly registry: ProcessRegistry;
}

/**
 * Variables of the service process the application's tools may see (toolchains, proxies, CA bundles for the
 * registries); nothing else leaks into the environment (no DATABASE_URL of ours).
 */
export const INHERITED_VARIABLES = [
  'PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'JAVA_HOME', 'MAVEN_OPTS', 'MAVEN_HOME', 'M2_HOME',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'GIT_SSL_CAINFO',
] as const;

export function logFile(logDir: string, phase: Phase): string {
  return join(logDir, `${phase}.log`);
}

export async function tailOf(file: string, bytes: number): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - bytes);
      const buf = Buffer.alloc(size - start);
      await handle.read(buf, 0, buf.length, start);
      const text = buf.toString('utf8');
      return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The `local` driver: an environment is a workspace directory with a `git clone --branch` of the ref,
 * plus the processes started from it, each in its own process group (so teardown kills whole trees).
 * Logs live beside the workspace (`logDir`) and outlive it.
 */
export class LocalDriver implements EnvironmentDriver {
  readonly name = 'local';

  constructor(private readonly options: LocalDriverOptions) {}

  private checkout(env: EnvironmentRecord): string {
    return join(env.workspace, 'checkout');
  }

  private appEnv(env: EnvironmentRecord, port: number | null): NodeJS.ProcessEnv {
    const out: NodeJS.ProcessEnv = {};
    for (const key of INHERITED_VARIABLES) if (process.env[key] !== undefined) out[key] = process.env[key];
    return { ...out, ...env.spec.variables, ...(port === null ? {} : { PORT: String(port) }) };
  }

  private timeout(env: EnvironmentRecord, phase: Phase): number {
    const configured = env.spec.timeoutsMs[phase] ?? this.options.timeoutsMs[phase];
    return env.spec.deadline === null ? configured : Math.max(1, Math.min(configured, env.spec.deadline - Date.now()));
  }

  private async announce(phase: Phase, onPhase: PhaseListener | undefined): Promise<void> {
    try {
      await onPhase?.(phase);
    } catch {
      // progress is best effort
    }
  }

  private async run(env: EnvironmentRecord, phase: Phase, command: string, cwd: string, port: number | null, onPhase?: PhaseListener): Promise<CommandOutcome> {
    await this.announce(phase, onPhase);
    const file = logFile(env.logDir, phase);
    await appendFile(file, `$ ${command}\n`);
    let pgid = -1;
    const outcome = await runCommand({
      command,
      cwd,
      env: this.appEnv(env, port),
      logFile: file,
      timeoutMs: this.timeout(env, phase),
      onSpawn: async (id) => {
        pgid = id;
        await this.options.registry.add(env.id, id);
      },
    });
    if (pgid > 0) await this.options.registry.remove(env.id, pgid);
    return outcome;
  }

  private async failure(env: EnvironmentRecord, phase: Phase, outcome: Pick<CommandOutcome, 'exitCode' | 'timedOut'>, file = logFile(env.logDir, phase)): Promise<PhaseFailure> {
    const classification = classifyFailure({ phase, exitCode: outcome.exitCode, timedOut: outcome.timedOut, log: await tailOf(file, 256 * 1024) });
    return { phase, classification, logTail: await tailOf(file, this.options.tailBytes) };
  }

  async deploy(env: EnvironmentRecord, onPhase?: PhaseListener): Promise<DeployOutcome> {
    const phases: PhaseReport[] = [];
    await mkdir(env.workspace, { recursive: true });
    await mkdir(env.logDir, { recursive: true });
    const checkout = this.checkout(env);

    await rm(checkout, { recursive: true, force: true });
    const clone = await this.run(env, 'clone', `git clone --quiet --depth 1 --branch '${env.spec.gitRef.replace(/'/g, `'\\''`)}' -- '${env.spec.repositoryUrl.replace(/'/g, `'\\''`)}' checkout`, env.workspace, null, onPhase);
    phases.push({ phase: 'clone', ok: clone.exitCode === 0, durationMs: clone.durationMs, cpuSeconds: clone.cpuSeconds });
    if (clone.exitCode !== 0) return { ok: false, failure: await this.failure(env, 'clone', clone), phases };

    const build = buildCommand(env.spec, checkout, this.options);
    if (build === null) return { ok: false, failure: await this.configFailure(env, 'build', `no build command and build tool "${env.spec.buildTool}" implies none`), phases };
    const built = await this.run(env, 'build', build, checkout, null, onPhase);
    phases.push({ phase: 'build', ok: built.exitCode === 0, durationMs: built.durationMs, cpuSeconds: built.cpuSeconds });
    if (built.exitCode !== 0) return { ok: false, failure: await this.failure(env, 'build', built), phases };

    const start = impliedStartCommand(env.spec);
    if (start === null) return { ok: false, failure: await this.configFailure(env, 'start', `no start command and build tool "${env.spec.buildTool}" implies none`), phases };
    await this.announce('start', onPhase);
    const port = await freePort();
    const startLog = logFile(env.logDir, 'start');
    await appendFile(startLog, `$ ${start}\n`);
    const started = startCommand({ command: start, cwd: checkout, env: this.appEnv(env, port), logFile: startLog });
    await this.options.registry.add(env.id, started.pgid);
    const healthStarted = Date.now();
    const health = await this.waitForHealth(env, port, started.exited);
    phases.push({ phase: 'health', ok: health === 'ok', durationMs: Date.now() - healthStarted, cpuSeconds: null });
    if (health === 'ok') return { ok: true, port, phases };
    await appendFile(logFile(env.logDir, 'health'), health === 'exited' ? 'the application exited before answering\n' : `GET ${env.spec.healthPath} never answered 2xx\n`);
    // The start log says why (port in use, missing variable, ...); health only says it never answered.
    const failure = await this.failure(env, health === 'exited' ? 'start' : 'health', { exitCode: health === 'exited' ? 1 : null, timedOut: health === 'timeout' }, startLog);
    return { ok: false, failure, phases };
  }

  private async configFailure(env: EnvironmentRecord, phase: Phase, message: string): Promise<PhaseFailure> {
    await appendFile(logFile(env.logDir, phase), `${message}\n`);
    return {
      phase,
      classification: { errorClass: 'ENV_CONFIG', signature: 'config.no-command', summary: message, failingTests: [], compilerErrors: [] },
      logTail: message,
    };
  }

  private async waitForHealth(env: EnvironmentRecord, port: number, exited: Promise<number | null>): Promise<'ok' | 'exited' | 'timeout'> {
    let gone = false;
    void exited.then(() => {
      gone = true;
    });
    const url = `http://127.0.0.1:${port}${env.spec.healthPath}`;
    // start: time for the process to come up; health: time for the health path to answer after that.
    const deadline = Date.now() + this.timeout(env, 'start') + this.timeout(env, 'health');
    while (Date.now() < deadline) {
      if (gone) return 'exited';
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(1000, Math.max(1, deadline - Date.now()))) });
        if (res.ok) return 'ok';
      } catch {
        // not listening yet, or no answer within a second
      }
      await sleep(150);
    }
    return gone ? 'exited' : 'timeout';
  }

  async verify(env: EnvironmentRecord, onPhase?: PhaseListener): Promise<VerifyOutcome> {
    const phases: PhaseReport[] = [];
    const command = testCommand(env.spec, this.options, this.checkout(env));
    if (command === null) return { ok: false, failure: await this.configFailure(env, 'test', `no test command and build tool "${env.spec.buildTool}" implies none`), phases };
    const checkout = this.checkout(env);
    let outcome = await this.run(env, 'test', command, checkout, env.port, onPhase);
    phases.push({ phase: 'test', ok: outcome.exitCode === 0, durationMs: outcome.durationMs, cpuSeconds: outcome.cpuSeconds });
    let flaky: PhaseFailure | null = null;
    if (outcome.exitCode !== 0) {
      const first = await this.failure(env, 'test', outcome);
      if (first.classification.errorClass !== 'TEST_FAILURE' || env.spec.flakyRetries < 1) return { ok: false, failure: first, phases };
      for (let i = 0; i < env.spec.flakyRetries && outcome.exitCode !== 0; i++) {
        await appendFile(logFile(env.logDir, 'test'), `\n${RERUN_MARKER} (${i + 1}/${env.spec.flakyRetries})\n`);
        outcome = await this.run(env, 'test', command, checkout, env.port, onPhase);
        phases.push({ phase: 'test', ok: outcome.exitCode === 0, durationMs: outcome.durationMs, cpuSeconds: outcome.cpuSeconds });
      }
      const decided = decideAfterRerun(first.classification, outcome.exitCode === 0);
      if (decided.errorClass !== 'TEST_FLAKY') return { ok: false, failure: { ...first, classification: decided }, phases };
      flaky = { ...first, classification: decided };
    }
    if (env.spec.smokePaths.length > 0) await this.announce('smoke', onPhase);
    for (const path of env.spec.smokePaths) {
      const started = Date.now();
      const ok = await this.smoke(env, path);
      phases.push({ phase: 'smoke', ok, durationMs: Date.now() - started, cpuSeconds: null });
      if (!ok) return { ok: false, failure: await this.failure(env, 'smoke', { exitCode: 1, timedOut: false }), phases };
    }
    return flaky ? { ok: true, phases, flaky, command } : { ok: true, phases, flaky: null, command };
  }

  private async smoke(env: EnvironmentRecord, path: string): Promise<boolean> {
    const file = logFile(env.logDir, 'smoke');
    try {
      const res = await fetch(`http://127.0.0.1:${env.port ?? 0}${path}`, { signal: AbortSignal.timeout(this.timeout(env, 'smoke')) });
      await appendFile(file, `GET ${path} -> ${res.status}\n`);
      return res.ok;
    } catch (error) {
      await appendFile(file, `GET ${path} -> ${error instanceof Error ? error.message : String(error)}\n`);
      return false;
    }
  }

  async teardown(env: Pick<EnvironmentRecord, 'id' | 'workspace' | 'processGroups'>): Promise<void> {
    await Promise.all(env.processGroups.map((pgid) => killGroup(pgid)));
    if (existsSync(env.workspace)) await rm(env.workspace, { recursive: true, force: true, maxRetries: 3 });
  }
}

export async function readPhaseLog(logDir: string, phase: Phase): Promise<string | null> {
  try {
    return await readFile(logFile(logDir, phase), 'utf8');
  } catch {
    return null;
  }
}
