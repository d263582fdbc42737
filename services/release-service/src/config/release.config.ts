import { TOPICS } from '@shipshape/contracts';
import { baseConfigSchema } from '@shipshape/service-kit';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const positiveInt = (what: string) => z.coerce.number({ error: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`);

/** release-service variables on top of the base ones. */
export const releaseConfigSchema = baseConfigSchema.extend({
  /** Where the local runtime keeps repository mirrors, builds and instance logs. */
  RELEASE_WORK_DIR: z.string().min(1).default(join(tmpdir(), 'shipshape-release')),
  /** Instances an application gets when it has none yet (first release). */
  RELEASE_DEFAULT_INSTANCES: positiveInt('a positive integer').default(2),
  /** How often the release worker looks for pending releases (ms). */
  RELEASE_WORKER_POLL_MS: positiveInt('a positive number of ms').default(500),
  /** Releases one service process drives at the same time. */
  RELEASE_WORKER_CONCURRENCY: positiveInt('a positive integer').default(4),
  /** A worker's claim on a release expires after this (ms) unless renewed; another replica then resumes it. */
  RELEASE_LEASE_MS: positiveInt('a positive number of ms').default(15_000),
  /** Build command timeout (ms). */
  RELEASE_BUILD_TIMEOUT_MS: positiveInt('a positive number of ms').default(600_000),
  /** How long a started instance has to listen on its port (ms). */
  RELEASE_START_TIMEOUT_MS: positiveInt('a positive number of ms').default(30_000),
  /**
   * Environment variable that carries the agent version of a sidecar release to every instance; the
   * application's start script loads that agent instead of the one it declares (nothing else is added).
   */
  RELEASE_AGENT_VERSION_VAR: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').default('SHIPSHAPE_AGENT_VERSION'),
  /** Where step results go (tests point it at their own topic, so a test task-manager reads them). */
  STEP_RESULTS_TOPIC: z.string().min(1).default(TOPICS.stepResults),
  /** How often the watchdog checks that every running instance's process is still there (ms). */
  RELEASE_WATCHDOG_MS: positiveInt('a positive number of ms').default(2_000),
  /** Wait before the watchdog's second restart attempt of a dead instance (ms); doubles after each failed attempt. */
  RELEASE_RESTART_BACKOFF_MS: positiveInt('a positive number of ms').default(1_000),
  /** Longest wait between two restart attempts (ms). */
  RELEASE_RESTART_BACKOFF_MAX_MS: positiveInt('a positive number of ms').default(60_000),
  /** Restart attempts (the first, immediate one included) before the watchdog gives up and leaves the instance failed. */
  RELEASE_RESTART_MAX_ATTEMPTS: positiveInt('a positive integer').default(5),
});

export type ReleaseConfig = z.output<typeof releaseConfigSchema>;
