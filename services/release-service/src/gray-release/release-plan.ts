import type { StepCommand } from '@shipshape/contracts';
import { parseSelector } from './prometheus-text';

/** One gray step: a number of instances, or a percent of them (rounded up, at least one). */
export type BatchStep = { readonly instances: number } | { readonly percent: number };

/** What the gates measure and their thresholds. */
export interface GateThresholds {
  /** Share of health probes that must answer 2xx, 0..1. */
  readonly minHealthRatio: number;
  /** Errors / requests during the bake above this fails, 0..1. */
  readonly maxErrorRate: number;
  /** Request latency during the bake above this fails (ms): the p95 from the histogram buckets, else the mean (summary or no buckets). */
  readonly maxLatencyMs: number;
  /** Instance processes that died during the bake (found by the watchdog) above this fails. Absent in plans stored before it existed: 0. */
  readonly maxCrashes?: number;
}

/** Metric selectors read from the instance's metrics endpoint (Prometheus text). Latency is a histogram base name (_bucket, _sum, _count; a summary's _sum/_count give the mean). */
export interface MetricNames {
  readonly requests: string;
  readonly errors: string;
  readonly latency: string;
}

export interface PlatformDefaults {
  readonly batches: readonly BatchStep[];
  readonly bakeMs: number;
  readonly probeIntervalMs: number;
  readonly healthPath: string;
  readonly metricsPath: string;
  readonly gates: GateThresholds;
  readonly metrics: MetricNames;
  readonly startCommand: string | null;
  readonly buildCommand: string | null;
}

const GENERIC: PlatformDefaults = {
  batches: [{ instances: 1 }, { percent: 25 }, { percent: 50 }, { percent: 100 }],
  bakeMs: 60_000,
  probeIntervalMs: 1_000,
  healthPath: '/health',
  metricsPath: '/metrics',
  gates: { minHealthRatio: 0.95, maxErrorRate: 0.01, maxLatencyMs: 1_000, maxCrashes: 0 },
  metrics: { requests: 'http_requests_total', errors: 'http_request_errors_total', latency: 'http_request_duration_seconds' },
  startCommand: null,
  buildCommand: null,
};

/** Release defaults per platform (the application's build tool); a task overrides them per release step. */
export const PLATFORM_DEFAULTS: Readonly<Record<string, PlatformDefaults>> = {
  npm: { ...GENERIC, startCommand: 'npm start', buildCommand: 'npm ci --no-audit --no-fund' },
  node: { ...GENERIC, startCommand: 'npm start', buildCommand: null },
  maven: {
    ...GENERIC,
    healthPath: '/actuator/health',
    metricsPath: '/actuator/prometheus',
    metrics: {
      requests: 'http_server_requests_seconds_count',
      errors: 'http_server_requests_seconds_count{outcome="SERVER_ERROR"}',
      latency: 'http_server_requests_seconds',
    },
    startCommand: 'java -jar target/app.jar',
    buildCommand: 'mvn -q -B -DskipTests package',
  },
};

export function platformDefaults(buildTool: string): PlatformDefaults {
  return PLATFORM_DEFAULTS[buildTool] ?? GENERIC;
}

/** Everything a release runs by, fixed when it is prepared (a resumed release keeps it). */
export interface ReleasePlan {
  readonly batches: readonly BatchStep[];
  readonly bakeMs: number;
  readonly probeIntervalMs: number;
  readonly healthPath: string;
  readonly metricsPath: string;
  readonly gates: GateThresholds;
  readonly metrics: MetricNames;
  readonly autoRollback: boolean;
  /** Instances an application gets when it has none (first release). */
  readonly instances: number | null;
  /** Variables every instance gets (besides PORT, INSTANCE_ID and the agent variable). */
  readonly env: Readonly<Record<string, string>>;
  readonly buildCommand: string | null;
  readonly startCommand: string | null;
  /** The ref to release (COMPONENT): params gitRef, else the default branch head. */
  readonly gitRef: string;
}

/** A field the step command got wrong (INVALID_INPUT names each). */
export interface PlanProblem {
  readonly field: string;
  readonly message: string;
}

export type PlanOutcome = { readonly kind: 'plan'; readonly plan: ReleasePlan } | { readonly kind: 'invalid'; readonly problems: readonly PlanProblem[] };

/** Keys of StepParameters.extra release-service reads (the schema's release record has no field for them yet). */
export const EXTRA_KEYS = {
  batches: 'release.batches',
  bakeMs: 'release.bakeMs',
  probeIntervalMs: 'release.probeIntervalMs',
  healthPath: 'release.healthPath',
  metricsPath: 'release.metricsPath',
  minHealthRatio: 'release.minHealthRatio',
  maxErrorRate: 'release.maxErrorRate',
  maxLatencyMs: 'release.maxLatencyMs',
  maxCrashes: 'release.maxCrashes',
  requestsMetric: 'release.metrics.requests',
  errorsMetric: 'release.metrics.errors',
  latencyMetric: 'release.metrics.latency',
  instances: 'release.instances',
  envPrefix: 'release.env.',
} as const;

/** "1,25%,50%,100%" → steps. */
export function parseBatches(text: string): BatchStep[] | null {
  const steps: BatchStep[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(%?)$/.exec(part);
    if (m === null) return null;
    const n = Number(m[1]);
    if (m[2] === '%') {
      if (n < 1 || n > 100) return null;
      steps.push({ percent: n });
    } else {
      if (n < 1) return null;
      steps.push({ instances: n });
    }
  }
  return steps.length === 0 ? null : steps;
}

/**
 * Cumulative instance counts on the new version after each batch, for a fleet of `total`: increasing,
 * duplicates dropped, and always ending with every instance.
 */
export function batchCounts(steps: readonly BatchStep[], total: number): number[] {
  const counts: number[] = [];
  for (const step of steps) {
    const n = 'instances' in step ? step.instances : Math.ceil((step.percent * total) / 100);
    const bounded = Math.min(total, Math.max(1, n));
    if (counts.length === 0 || bounded > (counts[counts.length - 1] as number)) counts.push(bounded);
  }
  if (counts[counts.length - 1] !== total && total > 0) counts.push(total);
  return counts;
}

function numberFrom(extra: Readonly<Record<string, string>>, key: string, problems: PlanProblem[], check: (n: number) => boolean, what: string): number | undefined {
  const raw = extra[key];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
    problems.push({ field: `parameters.extra["${key}"]`, message: `must be ${what}` });
    return undefined;
  }
  return n;
}

/** The release plan of a step: platform defaults, then StepParameters.release, then the release.* keys of StepParameters.extra. */
export function resolvePlan(command: StepCommand): PlanOutcome {
  const defaults = platformDefaults(command.application.buildTool);
  const release = command.parameters.release;
  const extra = command.parameters.extra;
  const problems: PlanProblem[] = [];
  const ratio = (n: number): boolean => n >= 0 && n <= 1;
  const positive = (n: number): boolean => n > 0;
  const positiveInt = (n: number): boolean => Number.isInteger(n) && n > 0;

  let batches: readonly BatchStep[] = defaults.batches;
  if (release !== null) {
    const bad = release.trafficSteps.filter((p) => !Number.isInteger(p) || p < 1 || p > 100);
    if (release.trafficSteps.length === 0 || bad.length > 0) problems.push({ field: 'parameters.release.trafficSteps', message: 'must be percents between 1 and 100' });
    else batches = release.trafficSteps.map((percent) => ({ percent }));
    if (release.observeSeconds < 0) problems.push({ field: 'parameters.release.observeSeconds', message: 'must not be negative' });
    if (!ratio(release.maxErrorRate)) problems.push({ field: 'parameters.release.maxErrorRate', message: 'must be between 0 and 1' });
  }
  const batchesText = extra[EXTRA_KEYS.batches];
  if (batchesText !== undefined) {
    const parsed = parseBatches(batchesText);
    if (parsed === null) problems.push({ field: `parameters.extra["${EXTRA_KEYS.batches}"]`, message: 'must be a comma-separated list of instance counts and percents, e.g. 1,25%,50%,100%' });
    else batches = parsed;
  }

  const metrics = {
    requests: extra[EXTRA_KEYS.requestsMetric] ?? defaults.metrics.requests,
    errors: extra[EXTRA_KEYS.errorsMetric] ?? defaults.metrics.errors,
    latency: extra[EXTRA_KEYS.latencyMetric] ?? defaults.metrics.latency,
  };
  for (const [name, key] of [['requests', EXTRA_KEYS.requestsMetric], ['errors', EXTRA_KEYS.errorsMetric], ['latency', EXTRA_KEYS.latencyMetric]] as const) {
    if (parseSelector(metrics[name]) === null) problems.push({ field: `parameters.extra["${key}"]`, message: 'must be a metric name with optional {label="value"} matchers' });
  }
  for (const key of [EXTRA_KEYS.healthPath, EXTRA_KEYS.metricsPath]) {
    const path = extra[key];
    if (path !== undefined && !path.startsWith('/')) problems.push({ field: `parameters.extra["${key}"]`, message: 'must be a path starting with /' });
  }

  const bakeMs = numberFrom(extra, EXTRA_KEYS.bakeMs, problems, (n) => n >= 0, 'a number of ms (0 or more)');
  const probeIntervalMs = numberFrom(extra, EXTRA_KEYS.probeIntervalMs, problems, positive, 'a positive number of ms');
  const minHealthRatio = numberFrom(extra, EXTRA_KEYS.minHealthRatio, problems, ratio, 'between 0 and 1');
  const maxErrorRate = numberFrom(extra, EXTRA_KEYS.maxErrorRate, problems, ratio, 'between 0 and 1');
  const maxLatencyMs = numberFrom(extra, EXTRA_KEYS.maxLatencyMs, problems, positive, 'a positive number of ms');
  const maxCrashes = numberFrom(extra, EXTRA_KEYS.maxCrashes, problems, (n) => Number.isInteger(n) && n >= 0, 'an integer (0 or more)');
  const instances = numberFrom(extra, EXTRA_KEYS.instances, problems, positiveInt, 'a positive integer');

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!key.startsWith(EXTRA_KEYS.envPrefix)) continue;
    const name = key.slice(EXTRA_KEYS.envPrefix.length);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) problems.push({ field: `parameters.extra["${key}"]`, message: 'must name an environment variable' });
    else env[name] = value;
  }

  if (problems.length > 0) return { kind: 'invalid', problems };
  return {
    kind: 'plan',
    plan: {
      batches,
      bakeMs: bakeMs ?? (release !== null ? release.observeSeconds * 1000 : defaults.bakeMs),
      probeIntervalMs: probeIntervalMs ?? defaults.probeIntervalMs,
      healthPath: extra[EXTRA_KEYS.healthPath] ?? defaults.healthPath,
      metricsPath: extra[EXTRA_KEYS.metricsPath] ?? defaults.metricsPath,
      gates: {
        minHealthRatio: minHealthRatio ?? defaults.gates.minHealthRatio,
        maxErrorRate: maxErrorRate ?? release?.maxErrorRate ?? defaults.gates.maxErrorRate,
        maxLatencyMs: maxLatencyMs ?? defaults.gates.maxLatencyMs,
        maxCrashes: maxCrashes ?? defaults.gates.maxCrashes ?? 0,
      },
      metrics,
      autoRollback: release?.autoRollback ?? true,
      instances: instances ?? null,
      env,
      buildCommand: command.application.commands.build ?? defaults.buildCommand,
      startCommand: command.application.commands.start ?? defaults.startCommand,
      gitRef: release?.gitRef ?? command.application.defaultBranch,
    },
  };
}
