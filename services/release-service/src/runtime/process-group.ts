import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** The one-letter state of a process from /proc (R, S, Z, …), null when there is no such process. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/** True while the process exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== 'Z' && state !== 'X';
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  return processAlive(pgid);
}

/** SIGTERM the whole process group, SIGKILL it after graceMs; resolves when the group leader is gone. */
export async function killGroup(pgid: number, graceMs = 2_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // ESRCH: nothing left
    }
  };
  if (!groupAlive(pgid)) return;
  signal('SIGTERM');
  const until = Date.now() + graceMs;
  while (Date.now() < until && groupAlive(pgid)) await sleep(25);
  signal('SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && groupAlive(pgid)) await sleep(25);
}

export interface CommandOutcome {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/** Runs a shell command to completion in its own process group (output appended to logFile); a timeout kills the group. */
export async function runCommand(command: string, options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; timeoutMs: number }): Promise<CommandOutcome> {
  const fd = openSync(options.logFile, 'a');
  const started = Date.now();
  const child = spawn('/bin/sh', ['-c', command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) void killGroup(child.pid, 500);
  }, options.timeoutMs);
  const exitCode = await exited;
  clearTimeout(timer);
  return { exitCode, timedOut, durationMs: Date.now() - started };
}

/**
 * Starts a long-running shell command as the leader of a new process group, detached from this process
 * (it outlives a crash of release-service), output appended to logFile. Returns the group id.
 */
export function spawnDetached(command: string, options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string }): number {
  const fd = openSync(options.logFile, 'a');
  const child = spawn('/bin/sh', ['-c', command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.once('error', () => undefined);
  child.unref();
  if (child.pid === undefined) throw new Error('spawn returned no pid');
  return child.pid;
}

/** A TCP port nobody listens on right now (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on host:port within timeoutMs. */
export async function portAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
