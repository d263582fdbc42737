import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Who owns an environment: this host, a pid and that pid's start time (so a reused pid is not mistaken for the owner). */
export function currentOwner(): string {
  return `${hostname()}:${process.pid}:${processStartTime(process.pid) ?? 0}`;
}

function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the parenthesised command name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** False when the owner is gone; an owner on another host is assumed alive (its own reaper handles it, or the TTL). */
export function ownerAlive(owner: string): boolean {
  const [host, pid, start] = owner.split(':');
  if (host !== hostname()) return true;
  const state = processState(Number(pid));
  return state !== null && state !== 'Z' && processStartTime(Number(pid)) === start;
}

function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/** Live (non-zombie) members of a process group, read from /proc. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(entry));
    } catch {
      // the process ended while we read
    }
  }
  return out;
}

/** SIGTERM the whole group, SIGKILL what is left after graceMs; resolves when no live member remains. */
export async function killGroup(pgid: number, graceMs = 2000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // ESRCH: nothing left
    }
  };
  if (groupMembers(pgid).length === 0) return;
  signal('SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && groupMembers(pgid).length > 0) await sleep(50);
  if (groupMembers(pgid).length === 0) return;
  signal('SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && groupMembers(pgid).length > 0) await sleep(50);
}

export interface CommandSpec {
  readonly command: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here (a file descriptor of our own: the log survives our crash). */
  readonly logFile: string;
  readonly timeoutMs: number;
  /** Called with the process group id right after spawn, before anything else can happen. */
  readonly onSpawn?: (pgid: number) => Promise<void> | void;
}

export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** User + system CPU seconds of the command and all its waited-for children (the shell's `times`); null when killed. */
  readonly cpuSeconds: number | null;
  readonly pgid: number;
}

// The outer shell runs the command in an inner shell, then reports its children's CPU times with `times`.
const TIMED = 'sh -c "$1"; rc=$?; times >"$2"; exit $rc';

/** Runs a shell command to completion in its own process group; on timeout kills the whole group. */
export async function runCommand(spec: CommandSpec): Promise<CommandOutcome> {
  const timesFile = `${spec.logFile}.times`;
  const fd = openSync(spec.logFile, 'a');
  const started = Date.now();
  const child = spawn('/bin/sh', ['-c', TIMED, 'shipshape-step', spec.command, timesFile], {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const pgid = child.pid ?? -1;
  if (pgid > 0) await spec.onSpawn?.(pgid);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killGroup(pgid, 500);
  }, spec.timeoutMs);
  const exitCode = await exited;
  clearTimeout(timer);
  if (timedOut) await killGroup(pgid, 0);
  const cpuSeconds = timedOut ? null : await readTimes(timesFile);
  await rm(timesFile, { force: true });
  return { exitCode: timedOut ? null : exitCode, timedOut, durationMs: Date.now() - started, cpuSeconds, pgid };
}

export interface StartedProcess {
  readonly pgid: number;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
}

/** Starts a long-running shell command detached in its own process group, logging to logFile. */
export function startCommand(spec: Omit<CommandSpec, 'timeoutMs' | 'onSpawn'>): StartedProcess {
  const fd = openSync(spec.logFile, 'a');
  const child = spawn('/bin/sh', ['-c', spec.command], { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { pgid: child.pid ?? -1, exited };
}

/** `times` prints two lines (shell, then children), each `<m>m<s>s <m>m<s>s` (user, system). */
async function readTimes(file: string): Promise<number | null> {
  try {
    const text = await readFile(file, 'utf8');
    const values = [...text.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    if (values.length < 4) return null;
    return Math.round(values.reduce((a, b) => a + b, 0) * 1000) / 1000;
  } catch {
    return null;
  }
}
