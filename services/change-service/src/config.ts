import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfigSchema } from '@shipshape/service-kit';
import { z } from 'zod';

const credentials = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: [{"host":"git.example.com","username":"bot","token":"…"}]' });
      return z.NEVER;
    }
  })
  .pipe(z.array(z.strictObject({ host: z.string().min(1), username: z.string().min(1), token: z.string().min(1) }), { error: 'must be a list of {host, username, token}' }));

/** change-service's variables on top of the kit's. */
export const changeConfigSchema = baseConfigSchema.extend({
  /** Bare mirrors, one per repository, reused across runs. */
  CHANGE_GIT_CACHE_DIR: z.string().min(1).default(join(tmpdir(), 'shipshape-change', 'mirrors')),
  /** Per-run worktrees. */
  CHANGE_WORK_DIR: z.string().min(1).default(join(tmpdir(), 'shipshape-change', 'worktrees')),
  CHANGE_GIT_AUTHOR_NAME: z.string().min(1).default('Shipshape'),
  CHANGE_GIT_AUTHOR_EMAIL: z.email({ error: 'must be an e-mail address' }).default('shipshape@localhost'),
  /** HTTPS credentials per git host (JSON list); never logged. */
  CHANGE_GIT_CREDENTIALS: credentials.optional(),
  /** Base URL of this service's REST API as people reach it (merge request links). */
  CHANGE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://localhost:3001'),
  /** GIT_SSH_COMMAND for ssh remotes (key file, host key policy). */
  CHANGE_GIT_SSH_COMMAND: z.string().min(1).optional(),
  /** Steps the worker runs at once. */
  CHANGE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Idle poll interval of the step worker, ms. */
  CHANGE_WORKER_POLL_MS: z.coerce.number().int().min(10).default(250),
});
export type ChangeConfig = z.infer<typeof changeConfigSchema>;
