import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorClass } from '@shipshape/contracts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signBody } from '../notifications/webhook.signature';
import type { HookPhase } from '../orchestration/pipeline';
import { hookKind, type HookDefinition } from './hook.schema';

/** The JSON a webhook hook receives (and a command hook in SHIPSHAPE_HOOK_PAYLOAD). */
export interface HookPayload {
  readonly hookId: string;
  readonly phase: HookPhase;
  readonly stage: string;
  readonly attempt: number;
  readonly stepId: string;
  /** After hooks: the outcome of the stage's step (SUCCEEDED; after hooks run once it succeeded) and its message. Before hooks: null. */
  readonly outcome: 'SUCCEEDED' | null;
  readonly message: string | null;
  readonly task: { readonly id: string; readonly kind: string; readonly component: { readonly ecosystem: string; readonly coordinates: string }; readonly fromRange: string; readonly toVersion: string };
  readonly run: { readonly id: string };
  readonly application: { readonly name: string; readonly team: string; readonly service: string; readonly repositoryUrl: string; readonly defaultBranch: string };
}

export interface HookExecution {
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  /** FAILED: TIMEOUT (too slow), TRANSIENT (webhook unreachable or 5xx), RATE_LIMITED (429), INVALID_INPUT (the hook said no: non-zero exit, other non-2xx). */
  readonly errorClass: ErrorClass | null;
  readonly message: string;
  /** Tail of the command's stdout+stderr, or the start of the webhook's answer. */
  readonly output: string;
  readonly exitCode: number | null;
  readonly httpStatus: number | null;
  readonly durationMs: number;
}

const OUTPUT_LIMIT = 16_384;
const tail = (text: string) => (text.length > OUTPUT_LIMIT ? `…${text.slice(-OUTPUT_LIMIT)}` : text);
const lastLine = (text: string) => text.trim().split('\n').pop()?.slice(0, 300) ?? '';

export async function executeHook(hook: HookDefinition, payload: HookPayload): Promise<HookExecution> {
  return hookKind(hook) === 'webhook' ? callWebhook(hook, payload) : runCommand(hook, payload);
}

async function callWebhook(hook: HookDefinition, payload: HookPayload): Promise<HookExecution> {
  const started = Date.now();
  const body = JSON.stringify(payload);
  const done = (r: Omit<HookExecution, 'durationMs' | 'exitCode'>): HookExecution => ({ ...r, exitCode: null, durationMs: Date.now() - started });
  let res: Response;
  try {
    res = await fetch(hook.url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(hook.secret!, body), [DELIVERY_HEADER]: payload.hookId },
      body,
      signal: AbortSignal.timeout(hook.timeoutMs),
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return done({ outcome: 'FAILED', errorClass: 'TIMEOUT', message: `webhook ${hook.url} did not answer within ${hook.timeoutMs} ms`, output: '', httpStatus: null });
    const cause = err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.message) : String(err);
    return done({ outcome: 'FAILED', errorClass: 'TRANSIENT', message: `webhook ${hook.url} unreachable (${cause})`, output: '', httpStatus: null });
  }
  const output = tail(await res.text().catch(() => ''));
  if (res.ok) return done({ outcome: 'SUCCEEDED', errorClass: null, message: `webhook answered HTTP ${res.status}`, output, httpStatus: res.status });
  const errorClass: ErrorClass = res.status === 429 ? 'RATE_LIMITED' : res.status >= 500 ? 'TRANSIENT' : 'INVALID_INPUT';
  return done({ outcome: 'FAILED', errorClass, message: `webhook ${hook.url} answered HTTP ${res.status}${output ? `: ${lastLine(output)}` : ''}`, output, httpStatus: res.status });
}

/** SHIPSHAPE_* variables describing the hook; nothing else of task-manager's environment leaks in (PATH, LANG only). */
export function hookEnvironment(payload: HookPayload, cwd: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    HOME: cwd,
    SHIPSHAPE_HOOK_ID: payload.hookId,
    SHIPSHAPE_HOOK_PHASE: payload.phase,
    SHIPSHAPE_TASK_ID: payload.task.id,
    SHIPSHAPE_RUN_ID: payload.run.id,
    SHIPSHAPE_APPLICATION: payload.application.name,
    SHIPSHAPE_TEAM: payload.application.team,
    SHIPSHAPE_REPOSITORY_URL: payload.application.repositoryUrl,
    SHIPSHAPE_STAGE: payload.stage,
    SHIPSHAPE_ATTEMPT: String(payload.attempt),
    SHIPSHAPE_STEP_ID: payload.stepId,
    SHIPSHAPE_OUTCOME: payload.outcome ?? '',
    SHIPSHAPE_COMPONENT: payload.task.component.coordinates,
    SHIPSHAPE_TO_VERSION: payload.task.toVersion,
    SHIPSHAPE_HOOK_PAYLOAD: JSON.stringify(payload),
  };
}

async function runCommand(hook: HookDefinition, payload: HookPayload): Promise<HookExecution> {
  const started = Date.now();
  const cwd = await mkdtemp(join(tmpdir(), 'shipshape-hook-'));
  try {
    const { code, signal, output, timedOut } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; timedOut: boolean }>((resolve) => {
      let output = '';
      let timedOut = false;
      // Its own process group, so a timeout kills the command and everything it started.
      const child = spawn('/bin/sh', ['-c', hook.command!], { cwd, env: hookEnvironment(payload, cwd), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const collect = (chunk: Buffer) => {
        output = tail(output + chunk.toString('utf8'));
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }, hook.timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, output: `${output}${err.message}`, timedOut });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, output, timedOut });
      });
    });
    const durationMs = Date.now() - started;
    const base = { output, exitCode: code, httpStatus: null, durationMs };
    if (timedOut) return { ...base, outcome: 'FAILED', errorClass: 'TIMEOUT', message: `command did not finish within ${hook.timeoutMs} ms (killed)` };
    if (code === 0) return { ...base, outcome: 'SUCCEEDED', errorClass: null, message: 'command exited 0' };
    const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited ${code}`;
    return { ...base, outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `command ${how}${output ? `: ${lastLine(output)}` : ''}` };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}
