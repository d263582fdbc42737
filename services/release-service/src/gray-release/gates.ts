import type { GateThresholds } from './release-plan';

/** Counters read from one instance's metrics endpoint. null: the metric is not exposed. */
export interface MetricsReading {
  readonly requests: number | null;
  readonly errors: number | null;
  readonly latencySum: number | null;
  readonly latencyCount: number | null;
}

/** What a bake has measured so far (persisted, so a resumed release keeps counting). */
export interface BakeState {
  readonly probes: number;
  readonly healthy: number;
  /** Per instance, its counters when the bake started. */
  readonly baseline: Readonly<Record<string, MetricsReading>>;
  /** The last failed probes, for the failure details. */
  readonly lastFailures: readonly string[];
}

export const EMPTY_BAKE: BakeState = { probes: 0, healthy: 0, baseline: {}, lastFailures: [] };

export const GATES = ['health', 'errorRate', 'latency'] as const;
export type GateName = (typeof GATES)[number];

export interface GateMeasurement {
  readonly gate: GateName;
  /** null: no data (metric not exposed, or no requests during the bake); a gate without data passes. */
  readonly value: number | null;
  readonly threshold: number;
  readonly passed: boolean;
}

export interface GateVerdict {
  readonly passed: boolean;
  readonly measurements: readonly GateMeasurement[];
  readonly failed: readonly GateMeasurement[];
}

function delta(end: number | null, start: number | null): number | null {
  return end === null || start === null ? null : Math.max(0, end - start);
}

/** Judges a bake: health-probe success ratio, error rate and mean latency against the thresholds. */
export function evaluateGates(gates: GateThresholds, bake: BakeState, end: Readonly<Record<string, MetricsReading>>): GateVerdict {
  let requests: number | null = null;
  let errors: number | null = null;
  let latencySum: number | null = null;
  let latencyCount: number | null = null;
  const add = (a: number | null, b: number | null): number | null => (b === null ? a : (a ?? 0) + b);
  for (const [instance, reading] of Object.entries(end)) {
    const start = bake.baseline[instance];
    if (start === undefined) continue;
    requests = add(requests, delta(reading.requests, start.requests));
    errors = add(errors, delta(reading.errors, start.errors));
    latencySum = add(latencySum, delta(reading.latencySum, start.latencySum));
    latencyCount = add(latencyCount, delta(reading.latencyCount, start.latencyCount));
  }
  const healthRatio = bake.probes === 0 ? null : bake.healthy / bake.probes;
  const errorRate = requests === null || errors === null || requests === 0 ? null : errors / requests;
  const latencyMs = latencySum === null || latencyCount === null || latencyCount === 0 ? null : (latencySum / latencyCount) * 1000;

  const measurements: GateMeasurement[] = [
    // No probe at all is a failure: the gate could not see the new version.
    { gate: 'health', value: healthRatio, threshold: gates.minHealthRatio, passed: healthRatio !== null && healthRatio >= gates.minHealthRatio },
    { gate: 'errorRate', value: errorRate, threshold: gates.maxErrorRate, passed: errorRate === null || errorRate <= gates.maxErrorRate },
    { gate: 'latency', value: latencyMs, threshold: gates.maxLatencyMs, passed: latencyMs === null || latencyMs <= gates.maxLatencyMs },
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
  }
  details['gate.failed'] = verdict.failed.map((m) => m.gate).join(',');
  details['health.probes'] = String(bake.probes);
  details['health.healthy'] = String(bake.healthy);
  if (bake.lastFailures.length > 0) details['health.lastFailures'] = bake.lastFailures.join('; ');
  return details;
}
