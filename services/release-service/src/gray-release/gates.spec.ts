import { describe, expect, it } from 'vitest';
import { EMPTY_BAKE, crashesSince, evaluateGates, measurementDetails, type MetricsReading } from './gates';

const GATES = { minHealthRatio: 0.9, maxErrorRate: 0.1, maxLatencyMs: 100 };
const reading = (requests: number, errors: number, latencySum: number, latencyCount: number): MetricsReading => ({ requests, errors, latencySum, latencyCount });

describe('evaluateGates', () => {
  it('passes when every measurement is within its threshold', () => {
    const bake = { ...EMPTY_BAKE, probes: 10, healthy: 10, baseline: { a: reading(100, 1, 1, 100) } };
    const verdict = evaluateGates(GATES, bake, { a: reading(200, 2, 2, 200) });

    expect(verdict.passed).toBe(true);
    expect(verdict.measurements.map((m) => [m.gate, m.value])).toEqual([
      ['health', 1],
      ['errorRate', 0.01],
      ['latency', 10],
      ['crashes', 0],
    ]);
    expect(verdict.measurements.find((m) => m.gate === 'latency')?.statistic).toBe('mean');
  });

  it('fails the health gate below the ratio, and with no probe at all', () => {
    expect(evaluateGates(GATES, { ...EMPTY_BAKE, probes: 10, healthy: 8 }, {}).failed.map((m) => m.gate)).toEqual(['health']);
    expect(evaluateGates(GATES, EMPTY_BAKE, {}).failed.map((m) => m.gate)).toEqual(['health']);
  });

  it('measures error rate and latency as deltas over the bake, summed over instances', () => {
    const bake = { ...EMPTY_BAKE, probes: 4, healthy: 4, baseline: { a: reading(10, 0, 0, 10), b: reading(0, 0, 0, 0) } };
    const verdict = evaluateGates(GATES, bake, { a: reading(20, 5, 3, 20), b: reading(10, 0, 0, 10), c: reading(1000, 1000, 1000, 1000) });

    expect(verdict.failed.map((m) => [m.gate, m.value])).toEqual([
      ['errorRate', 0.25],
      ['latency', 150],
    ]);
    expect(measurementDetails(verdict, bake)).toMatchObject({ 'gate.failed': 'errorRate,latency', 'gate.errorRate.value': '0.25', 'gate.latency.threshold': '100' });
  });

  it('lets a gate without data pass (metric not exposed, or no requests)', () => {
    const none: MetricsReading = { requests: null, errors: null, latencySum: null, latencyCount: null };
    const verdict = evaluateGates(GATES, { ...EMPTY_BAKE, probes: 1, healthy: 1, baseline: { a: none } }, { a: none });

    expect(verdict.passed).toBe(true);
    expect(verdict.measurements.map((m) => m.value)).toEqual([1, null, null, 0]);
  });

  it('judges latency on the p95 of the bake\'s requests when the instances expose histogram buckets', () => {
    // Before the bake: 100 fast requests. During it: 90 under 50 ms, 10 between 0.5 s and 1 s: the mean is low, the p95 is not.
    const start = { ...reading(100, 0, 1, 100), latencyBuckets: { '0.05': 100, '0.5': 100, '1': 100, '+Inf': 100 } };
    const end = { ...reading(200, 0, 1 + 0.9 + 7.5, 200), latencyBuckets: { '0.05': 190, '0.5': 190, '1': 200, '+Inf': 200 } };
    const verdict = evaluateGates({ ...GATES, maxLatencyMs: 200 }, { ...EMPTY_BAKE, probes: 1, healthy: 1, baseline: { a: start } }, { a: end });

    const latency = verdict.measurements.find((m) => m.gate === 'latency');
    expect(latency).toMatchObject({ statistic: 'p95', passed: false });
    expect(latency?.value).toBeCloseTo(750, 6); // rank 95 of 100 falls in the (0.5, 1] bucket holding 90..100: 0.5 + 0.5 × 5/10 = 0.75 s
    expect(measurementDetails(verdict, { ...EMPTY_BAKE, probes: 1, healthy: 1 })).toMatchObject({ 'gate.latency.statistic': 'p95', 'gate.failed': 'latency' });
    // The same traffic without buckets: the mean (84 ms) passes.
    const mean = evaluateGates({ ...GATES, maxLatencyMs: 200 }, { ...EMPTY_BAKE, probes: 1, healthy: 1, baseline: { a: reading(100, 0, 1, 100) } }, { a: reading(200, 0, 9.4, 200) });
    expect(mean.measurements.find((m) => m.gate === 'latency')).toMatchObject({ statistic: 'mean', passed: true });
  });

  it('falls back to the mean when one instance has no buckets', () => {
    const withBuckets = { ...reading(0, 0, 0, 0), latencyBuckets: { '0.1': 0, '+Inf': 0 } };
    const verdict = evaluateGates(GATES, { ...EMPTY_BAKE, probes: 1, healthy: 1, baseline: { a: withBuckets, b: reading(0, 0, 0, 0) } }, {
      a: { ...reading(10, 0, 0.1, 10), latencyBuckets: { '0.1': 10, '+Inf': 10 } },
      b: reading(10, 0, 0.1, 10),
    });
    expect(verdict.measurements.find((m) => m.gate === 'latency')).toMatchObject({ statistic: 'mean', value: 10 });
  });

  it('fails the crashes gate when an instance died during the bake', () => {
    const bake = { ...EMPTY_BAKE, probes: 10, healthy: 10, restartsAtStart: { a: 2, b: 0 } };
    expect(crashesSince(bake, { a: 2, b: 0 })).toBe(0);
    expect(crashesSince(bake, { a: 3, b: 1, c: 4 })).toBe(2); // c: not in the bake
    expect(crashesSince({ ...bake, crashes: 3 }, { a: 2, b: 0 })).toBe(3); // never forgets one seen before
    const verdict = evaluateGates(GATES, { ...bake, crashes: 1 }, {});
    expect(verdict.failed.map((m) => [m.gate, m.value, m.threshold])).toEqual([['crashes', 1, 0]]);
    expect(evaluateGates({ ...GATES, maxCrashes: 1 }, { ...bake, crashes: 1 }, {}).passed).toBe(true);
  });
});
