import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@shipshape/contracts';
import { baseConfigSchema } from '@shipshape/service-kit';
import { z } from 'zod';

const positiveInt = (what: string) => z.coerce.number({ error: `must be ${what}` }).int(`must be ${what}`).positive(`must be ${what}`);

/** detection-service variables on top of the base ones. */
export const detectionConfigSchema = baseConfigSchema.extend({
  /** Where bare mirrors of scanned repositories are cached. */
  DETECTION_WORK_DIR: z.string().min(1).default(join(tmpdir(), 'shipshape-detection')),
  /** Path of the JSON endpoint instances expose with their loaded components. */
  DETECTION_COMPONENTS_PATH: z.string().startsWith('/', 'must start with /').default('/shipshape/components'),
  /** Timeout of one request to an instance (ms). */
  DETECTION_HTTP_TIMEOUT_MS: positiveInt('a positive number of ms').default(5_000),
  /** Topic of InventoryChange events (tests isolate theirs). */
  DETECTION_INVENTORY_TOPIC: z.string().min(1).default(TOPICS.inventory),
  /**
   * Instances of applications Shipshape does not deploy, as JSON:
   * `{"<application>": [{"instance": "i-1", "address": "host:port"}]}`.
   */
  DETECTION_INSTANCES: z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string(), z.array(z.object({ instance: z.string().min(1), address: z.string().min(1) })), { error: 'must map application names to [{instance, address}]' })),
  /** Period of the whole-catalog rescan (ms); 0 turns the timer off (POST /api/inventory/rescan still works). */
  DETECTION_RESCAN_INTERVAL_MS: z.coerce.number({ error: 'must be a number of ms' }).int('must be a number of ms').min(0, 'must be 0 or more').default(6 * 60 * 60 * 1000),
  /** How often catalog applications not scanned yet at their catalog repository and branch are looked for and scanned (ms); 0 = off (they wait for the rescan). */
  DETECTION_CATALOG_SCAN_POLL_MS: z.coerce.number({ error: 'must be a number of ms' }).int('must be a number of ms').min(0, 'must be 0 or more').default(5_000),
  /** static: manifests only (fast default); accurate: also resolve the full Maven tree with Maven when it is installed. */
  DETECTION_MAVEN_MODE: z.enum(['static', 'accurate'], { error: 'must be static or accurate' }).default('static'),
  /** Maven executable for the accurate mode. */
  DETECTION_MAVEN_COMMAND: z.string().min(1).default('mvn'),
  /** Timeout of one Maven resolution (ms). */
  DETECTION_MAVEN_TIMEOUT_MS: positiveInt('a positive number of ms').default(600_000),
  /** How often the detect worker looks for pending steps (ms). */
  DETECTION_WORKER_POLL_MS: positiveInt('a positive number of ms').default(500),
});

export type DetectionConfig = z.output<typeof detectionConfigSchema>;
