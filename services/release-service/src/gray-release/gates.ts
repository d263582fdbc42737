import { histogramQuantile } from './prometheus-text';
import type { GateThresholds } from './release-plan';

/** The latency gate judges this quantile of the bake's requests when the application exposes a histogram. */
export const LATENCY_QUANTILE = 0.95;

/** Counters read from one instance's metrics endpoint. null: the metric is not exposed. */
export interface MetricsReading {
  readonly requests: number | null;
  readonly errors: number | null;
  readonly latencySum: number | null;
  readonly latencyCount: number | null;
  /** Histogram buckets of the latency metric (cumulative counts by `le`); null/absent: no histogram. */
  readonly latencyBuckets?: Readonly<Record<string, number>> | null;
}

/** What a bake has measured so far (persisted, so a resumed release keeps counting). */
export interface BakeState {
  readonly probes: number;
  readonly healthy: number;
  /** Per instance, its counters when the bake started. */
  readonly baseline: Readonly<Record<string, MetricsReading>>;
  /** The last failed probes, for the failure details. */
  readonly lastFailures: readonly string[];
  /** Per instance, its restart count (watchdog) when the bake started; absent in bakes stored before it existed. */
  readonly restartsAtStart?: Readonly<Record<string, number>>;
  /** Instance processes that died during the bake so far. */
  readonly crashes?: number;
}

export const EMPTY_BAKE: BakeState = { probes: 0, healthy: 0, baseline: {}, lastFailures: [], restartsAtStart: {}, crashes: 0 };

/** Deaths since the bake started, from the instances' restart counts now. */
export function crashesSince(bake: BakeState, restartsNow: Readonly<Record<string, number>>): number {
  let crashes = 0;
  for (const [instance, now] of Object.entries(restartsNow)) crashes += Math.max(0, now - (bake.restartsAtStart?.[instance] ?? now));
  return Math.max(crashes, bake.crashes ?? 0);
}

export const GATES = ['health', 'errorRate', 'latency', 'crashes'] as const;
export type GateName = (typeof GATES)[number];

export interface GateMeasurement {
  readonly gate: GateName;
  /** null: no data (metric not exposed, or no requests during the bake); a gate without data passes. */
  readonly value: number | null;
  readonly threshold: number;
  readonly passed: boolean;
  /** How the value was computed when there is a choice (latency: p95 from buckets, else mean). */
  readonly statistic?: string;
}

export interface GateVerdict {
  readonly passed: boolean;
  readonly measurements: readonly GateMeasurement[];
  readonly failed: readonly GateMeasurement[];
}

function delta(end: number | null, start: number | null): number | null {
  return end === null || start === null ? null : Math.max(0, end - start);
}

/** The bake's share of a histogram: end minus start per bucket, added into `into`. false when the two readings' buckets differ. */
function addBucketDeltas(into: Record<string, number>, end: Readonly<Record<string, number>>, start: Readonly<Record<string, number>>): boolean {
  const bounds = Object.keys(end);
  if (bounds.length !== Object.keys(start).length || bounds.some((le) => start[le] === undefined)) return false;
  for (const le of bounds) into[le] = (into[le] ?? 0) + Math.max(0, (end[le] as number) - (start[le] as number));
  return true;
}

/**
 * Judges a bake: health-probe success ratio, error rate, latency (the p95 of the bake's requests from
 * the histogram buckets of every instance; the mean from _sum/_count when any instance has no buckets)
 * and instance crashes against the thresholds.
 */
export function evaluateGates(gates: GateThresholds, bake: BakeState, end: Readonly<Record<string, MetricsReading>>): GateVerdict {
  let requests: number | null = null;
  let errors: number | null = null;
  let latencySum: number | null = null;
  let latencyCount: number | null = null;
  let buckets: Record<string, number> | null = {};
  const add = (a: number | null, b: number | null): number | null => (b === null ? a : (a ?? 0) + b);
  for (const [instance, reading] of Object.entries(end)) {
    const start = bake.baseline[instance];
    if (start === undefined) continue;
    requests = add(requests, delta(reading.requests, start.requests));
    errors = add(errors, delta(reading.errors, start.errors));
    latencySum = add(latencySum, delta(reading.latencySum, start.latencySum));
    latencyCount = add(latencyCount, delta(reading.latencyCount, start.latencyCount));
    const endBuckets = reading.latencyBuckets ?? null;
    const startBuckets = start.latencyBuckets ?? null;
    if (buckets !== null && (endBuckets === null || startBuckets === null || !addBucketDeltas(buckets, endBuckets, startBuckets))) buckets = null;
  }
  const healthRatio = bake.probes === 0 ? null : bake.healthy / bake.probes;
  const errorRate = requests === null || errors === null || requests === 0 ? null : errors / requests;
  const p95 = buckets === null || Object.keys(buckets).length === 0 ? null : histogramQuantile(LATENCY_QUANTILE, buckets);
  const mean = latencySum === null || latencyCount === null || latencyCount === 0 ? null : latencySum / latencyCount;
  const latency = p95 !== null ? { value: p95 * 1000, statistic: 'p95' } : { value: mean === null ? null : mean * 1000, statistic: 'mean' };
  const latencyMs = latency.value;
  const crashes = bake.crashes ?? 0;
  const maxCrashes = gates.maxCrashes ?? 0;

  const measurements: GateMeasurement[] = [
    // No probe at all is a failure: the gate could not see the new version.
    { gate: 'health', value: healthRatio, threshold: gates.minHealthRatio, passed: healthRatio !== null && healthRatio >= gates.minHealthRatio },
    { gate: 'errorRate', value: errorRate, threshold: gates.maxErrorRate, passed: errorRate === null || errorRate <= gates.maxErrorRate },
    { gate: 'latency', value: latencyMs, threshold: gates.maxLatencyMs, passed: latencyMs === null || latencyMs <= gates.maxLatencyMs, statistic: latency.statistic },
    // An instance that died during the bake (the watchdog restarted it) counts even when it came back healthy.
    { gate: 'crashes', value: crashes, threshold: maxCrashes, passed: crashes <= maxCrashes },
  ];
  const failed = measurements.filter((m) => !m.passed);
  return { passed: failed.length === 0, measurements, failed };
}

/** Flat string details for a StepResult (`gate.health.value`, …). */
export function measurementDetails(verdict: GateVerdict, bake: BakeState): Record<string, string> {
  const details: Record<string, string> = {};
  for (const m of verdict.measurements) {
    details[`gate.${m.gate}.value`] = m.value === null ? 'no-data' : String(Number(m.value.toFixed(6)));
    details[`gate.${m.gate}.threshold`] = String(m.threshold);
    details[`gate.${m.gate}.passed`] = String(m.passed);
    if (m.statistic !== undefined) details[`gate.${m.gate}.statistic`] = m.statistic;
  }
  details['gate.failed'] = verdict.failed.map((m) => m.gate).join(',');
  details['health.probes'] = String(bake.probes);
  details['health.healthy'] = String(bake.healthy);
  if (bake.lastFailures.length > 0) details['health.lastFailures'] = bake.lastFailures.join('; ');
  return details;
}
