import { spawn } from 'node:child_process';
import { ShipshapeError } from '@shipshape/contracts';

/** A git command that failed; `host` is the remote (never credentials). */
export class GitCommandError extends ShipshapeError {
  constructor(args: readonly string[], stderr: string, code: number | null) {
    super('DETECTION.GIT_FAILED', `git ${args[0]} failed (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, { details: { command: args[0], exitCode: code } });
  }
}

/** Runs git and returns stdout as a Buffer; stdin is written when given. */
export function runGit(args: readonly string[], options: { cwd?: string; input?: string } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new GitCommandError(args, err, code))));
    child.stdin.on('error', () => undefined); // git may exit before reading stdin (e.g. an unknown ref)
    child.stdin.end(options.input ?? '');
  });
}
