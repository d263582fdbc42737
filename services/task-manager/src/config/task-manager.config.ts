import { TOPICS } from '@shipshape/contracts';
import { baseConfigSchema } from '@shipshape/service-kit';
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number({ error: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').default(fallback);

/** A JSON object of stage → positive integer (default `{}`), e.g. {"test-deploy":5}. */
function stageLimits() {
  return z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        const parsed = z.record(z.string(), z.number().int().min(1)).safeParse(JSON.parse(text));
        if (parsed.success) return parsed.data;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object of stage → positive integer' });
      return z.NEVER;
    });
}

/**
 * task-manager's variables. Topic names default to the catalog's; tests point them at unique topics.
 * Throttling limits here are platform-wide: shared by every task, across task-manager processes.
 */
export const taskManagerConfigSchema = baseConfigSchema.extend({
  /** Step commands go to `<prefix><service>`. */
  STEP_COMMANDS_TOPIC_PREFIX: z.string().min(1).default('shipshape.step.commands.'),
  STEP_RESULTS_TOPIC: z.string().min(1).default(TOPICS.stepResults),
  /** Consumer group (and inbox name) for step results; default the service name. */
  CONSUMER_GROUP_ID: z.string().min(1).optional(),
  RUN_EVENTS_TOPIC: z.string().min(1).default(TOPICS.runEvents),
  NOTIFICATIONS_TOPIC: z.string().min(1).default(TOPICS.notifications),
  /** Where every catalog change goes as an ApplicationCatalogEntry (compacted, key: application name). */
  APPLICATIONS_TOPIC: z.string().min(1).default(TOPICS.applications),
  /** How often the pollers look for queued steps, passed deadlines and due retries. */
  ORCHESTRATOR_POLL_MS: positiveInt(250),
  /** Steps in flight at once over all tasks; unset: no global limit. */
  THROTTLE_GLOBAL_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** Steps in flight per team over all tasks; unset: no team limit. */
  THROTTLE_TEAM_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** JSON object stage → limit, e.g. {"test-deploy":5}: test environments the platform allows at once. */
  THROTTLE_STAGE_CONCURRENCY: stageLimits(),
  /** JSON object stage → dispatches per hour, e.g. {"review":60} (merge requests per hour). */
  THROTTLE_STAGE_RATE_PER_HOUR: stageLimits(),
  /** First webhook retry after this; doubles per attempt (at most five minutes). */
  WEBHOOK_RETRY_INITIAL_MS: positiveInt(1000),
  WEBHOOK_MAX_ATTEMPTS: positiveInt(8),
  /** detection-service's REST base URL: a selection by `usingComponent` asks its inventory who depends on the component. */
  DETECTION_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default('http://127.0.0.1:3004'),
  /** Timeout of one request to detection-service (ms). */
  DETECTION_TIMEOUT_MS: positiveInt(5_000),
  /** Stage hooks (webhooks, commands) this process runs at once. */
  HOOK_CONCURRENCY: positiveInt(4),
  /** Default person-days a manual upgrade of one application costs (tasks may override). */
  MANUAL_COST_DAYS_PER_APPLICATION: z.coerce.number().min(0).default(0.5),
});

export type TaskManagerConfig = z.output<typeof taskManagerConfigSchema>;
