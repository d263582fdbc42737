import { LOG_LEVELS } from '@shipshape/telemetry';
import { z } from 'zod';
import { ConfigError } from '../errors';

const HOST_PORT = /^[^\s:,/]+:\d{1,5}$/;

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function isPostgresUrl(value: string): boolean {
  try {
    return ['postgres:', 'postgresql:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/**
 * The variables every Shipshape service reads. A service with more adds them with
 * `baseConfigSchema.extend({ ... })` and passes the result as `configSchema`.
 */
export const baseConfigSchema = z.object({
  /** Postgres SERVER url; the service uses its own database on it (SERVICES[].database or DATABASE_NAME). */
  DATABASE_URL: z.string().refine(isPostgresUrl, 'must be a postgres:// (or postgresql://) URL of the Postgres server'),
  /** Overrides the database name from SERVICES. */
  DATABASE_NAME: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain Postgres identifier: letters, digits and _, at most 63 characters')
    .optional(),
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: z
    .string()
    .transform(splitList)
    .superRefine((brokers, ctx) => {
      const bad = brokers.filter((b) => !HOST_PORT.test(b));
      if (brokers.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one host:port' });
      else if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `must be comma-separated host:port entries; not host:port: ${bad.join(', ')}` });
    }),
  /** HTTP port; defaults to the service's port in SERVICES. 0 = any free port. */
  PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0, 'must be 0-65535').max(65535, 'must be 0-65535').optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** OTLP/HTTP collector base URL; unset = no OTLP export (Prometheus /metrics still works). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** Optional service.version resource attribute. */
  OTEL_SERVICE_VERSION: z.string().optional(),
});

export type BaseConfigSchema = typeof baseConfigSchema;
export type BaseConfig = z.output<BaseConfigSchema>;
/** Any schema whose output has at least the base config (e.g. `baseConfigSchema.extend(...)`). */
export type ConfigSchema<TConfig extends BaseConfig = BaseConfig> = z.ZodType<TConfig>;

/** Empty and whitespace-only variables count as unset. */
function presentVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') out[key] = value;
  return out;
}

/**
 * Validates the environment against the schema. On failure throws ONE ConfigError naming every
 * problem, e.g. "DATABASE_URL: is required (not set)" and "KAFKA_BROKERS: … not host:port: kafka".
 */
export function loadConfig<TConfig extends BaseConfig>(service: string, schema: ConfigSchema<TConfig>, env: NodeJS.ProcessEnv = process.env): TConfig {
  const input = presentVariables(env);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.') || '(environment)';
    const top = issue.path[0];
    const missing = typeof top === 'string' && issue.path.length === 1 && !(top in input);
    return `${key}: ${missing ? 'is required (not set)' : issue.message}`;
  });
  throw new ConfigError(service, problems);
}

/** Names of the variables a schema cannot do without (no default, not optional). */
export function requiredConfigKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
}
