import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@shipshape/testkit';

export interface CrashOwner {
  readonly child: ChildProcess;
  readonly envId: string;
  /** First process group registered for the environment (the server in mode ready, the build in mode building). */
  readonly pgid: number;
}

/** Starts crash-owner.ts as one node process with the tsx loader, so the owner recorded is the process the test kills. */
export async function startCrashOwner(databaseUrl: string, root: string, repo: string, mode: 'ready' | 'building', stepId: string): Promise<CrashOwner> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'crash-owner.ts'), databaseUrl, root, repo, mode, stepId], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const line = await waitFor(() => /(?:READY|BUILDING) (\S+) (\d+)/.exec(out), { timeoutMs: 60_000, description: `crash owner ${mode} (output so far: ${out})` });
  return { child, envId: line[1] as string, pgid: Number(line[2]) };
}

export async function sigkill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
