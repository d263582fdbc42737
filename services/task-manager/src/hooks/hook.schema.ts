import { z } from 'zod';

/** A hook may run at most this long (its timeoutMs); the default is one minute. */
export const MAX_HOOK_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_HOOK_TIMEOUT_MS = 60_000;
export const MAX_HOOKS_PER_PHASE = 5;

/**
 * A stage hook: a webhook (`url` + `secret`: POST of the hook payload, HMAC-signed like team webhooks)
 * or a shell `command` (run in a fresh temporary directory with SHIPSHAPE_* variables). Both time out.
 */
export const hookSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    secret: z.string({ error: 'must be a string' }).min(16, 'must be at least 16 characters').optional(),
    command: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').optional(),
    timeoutMs: z.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(MAX_HOOK_TIMEOUT_MS, `must be at most ${MAX_HOOK_TIMEOUT_MS}`).default(DEFAULT_HOOK_TIMEOUT_MS),
  })
  .superRefine((h, ctx) => {
    if ((h.url === undefined) === (h.command === undefined)) ctx.addIssue({ code: 'custom', message: 'must set exactly one of url (a webhook) and command' });
    if (h.url !== undefined && h.secret === undefined) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is required with url: the body is HMAC-signed with it' });
    if (h.command !== undefined && h.secret !== undefined) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'only applies to a webhook (url)' });
  });

export type HookDefinition = z.output<typeof hookSchema>;

export const hookListSchema = z.array(hookSchema, { error: 'must be a list of hooks' }).max(MAX_HOOKS_PER_PHASE, `must list at most ${MAX_HOOKS_PER_PHASE} hooks`).default([]);

export type HookKind = 'webhook' | 'command';

export function hookKind(hook: HookDefinition): HookKind {
  return hook.url !== undefined ? 'webhook' : 'command';
}

/** A copy of a task spec fit for REST answers: hook secrets replaced by `(set)`. */
export function redactHookSecrets<T>(spec: T): T {
  const pipeline = (spec as { pipeline?: { stages?: Array<Record<string, unknown>> } }).pipeline;
  if (!pipeline?.stages) return spec;
  const redact = (hooks: unknown) => (Array.isArray(hooks) ? hooks.map((h: Record<string, unknown>) => (h.secret === undefined ? h : { ...h, secret: '(set)' })) : hooks);
  return { ...spec, pipeline: { ...pipeline, stages: pipeline.stages.map((s) => ({ ...s, ...(s.before ? { before: redact(s.before) } : {}), ...(s.after ? { after: redact(s.after) } : {}) })) } };
}
