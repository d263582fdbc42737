import { execFile } from 'node:child_process';
import { ShipshapeError } from '@shipshape/contracts';

/** A git command that failed; the message names the command (never credentials) and git's own stderr. */
export class GitCommandError extends ShipshapeError {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly exitCode: number | null,
    host: string | undefined,
  ) {
    super('CHANGE.GIT_FAILED', `git ${args[0]} failed: ${redact(stderr.trim().split('\n').slice(-3).join(' | '))}`, {
      details: { command: args[0], exitCode, ...(host ? { host } : {}) },
    });
  }
}

/** HTTPS credentials for one host: sent as an Authorization header through GIT_CONFIG_* (never in argv, URLs or logs). */
export interface GitCredential {
  readonly host: string;
  readonly username: string;
  readonly token: string;
}

export function redact(text: string): string {
  return text.replace(/(https?:\/\/)[^@/\s]+@/g, '$1***@').replace(/(Authorization:\s*\w+\s+)\S+/gi, '$1***');
}

export interface GitExecOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly credential?: GitCredential;
  /** `https://host/`: the credential header is scoped to this URL prefix. */
  readonly credentialScope?: string;
  readonly host?: string;
  readonly timeoutMs?: number;
}

/** Runs real `git` with a clean, non-interactive environment. */
export function git(args: readonly string[], opts: GitExecOptions = {}): Promise<string> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'echo',
    LC_ALL: 'C',
    ...opts.env,
  };
  if (opts.credential) {
    const basic = Buffer.from(`${opts.credential.username}:${opts.credential.token}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = `http.${opts.credentialScope ?? `https://${opts.credential.host}/`}.extraHeader`;
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  return new Promise((resolve, reject) => {
    execFile('git', args as string[], { cwd: opts.cwd, env, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
        reject(new GitCommandError(args, `${stderr}${stderr ? '' : err.message}`, code, opts.host));
      } else resolve(stdout);
    });
  });
}
