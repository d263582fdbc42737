import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@shipshape/contracts';
import { baseConfigSchema } from '@shipshape/service-kit';
import { z } from 'zod';
import type { Phase } from '../classification';

const seconds = (fallback: number) => z.coerce.number({ error: 'must be a number of seconds' }).int('must be whole seconds').min(1, 'must be at least 1').default(fallback);

/** test-env-service's variables on top of the base ones. */
export const testEnvConfigSchema = baseConfigSchema.extend({
  /** Workspaces (<root>/workspaces) and phase logs (<root>/logs, kept after teardown). */
  TEST_ENV_ROOT: z.string().min(1).default(join(tmpdir(), 'shipshape-test-env')),
  /** Platform-wide limit on environments provisioning or ready at once; more wait in order. */
  TEST_ENV_MAX_CONCURRENT: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be at least 1').default(4),
  /** An environment older than this is reaped whatever its run does. */
  TEST_ENV_TTL_SECONDS: seconds(7200),
  TEST_ENV_REAPER_INTERVAL_MS: z.coerce.number({ error: 'must be a number' }).int().min(100, 'must be at least 100').default(30_000),
  /** Steps one process executes at once (each holds an environment slot while it deploys). */
  TEST_ENV_WORKERS: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').default(2),
  /** Base URL humans reach this service at (results then link the phase logs); unset: no links. */
  TEST_ENV_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Where step results go; tests point it at a topic of their own. */
  TEST_ENV_RESULTS_TOPIC: z.string().min(1).default(TOPICS.stepResults),
  /** Extra arguments for every mvn the platform implies, e.g. `-o` with a warm local repository. */
  TEST_ENV_MAVEN_ARGS: z.string().default(''),
  /** Bytes of the failing phase's log that go into the step result. */
  TEST_ENV_LOG_TAIL_BYTES: z.coerce.number({ error: 'must be a number' }).int().min(200, 'must be at least 200').max(60_000, 'must be at most 60000').default(4000),
  TEST_ENV_TIMEOUT_CLONE_SECONDS: seconds(120),
  TEST_ENV_TIMEOUT_BUILD_SECONDS: seconds(900),
  TEST_ENV_TIMEOUT_START_SECONDS: seconds(60),
  TEST_ENV_TIMEOUT_HEALTH_SECONDS: seconds(120),
  TEST_ENV_TIMEOUT_TEST_SECONDS: seconds(1800),
  TEST_ENV_TIMEOUT_SMOKE_SECONDS: seconds(30),
});

export type TestEnvConfig = z.output<typeof testEnvConfigSchema>;

export function phaseTimeoutsMs(config: TestEnvConfig): Record<Phase, number> {
  return {
    clone: config.TEST_ENV_TIMEOUT_CLONE_SECONDS * 1000,
    build: config.TEST_ENV_TIMEOUT_BUILD_SECONDS * 1000,
    start: config.TEST_ENV_TIMEOUT_START_SECONDS * 1000,
    health: config.TEST_ENV_TIMEOUT_HEALTH_SECONDS * 1000,
    test: config.TEST_ENV_TIMEOUT_TEST_SECONDS * 1000,
    smoke: config.TEST_ENV_TIMEOUT_SMOKE_SECONDS * 1000,
  };
}
