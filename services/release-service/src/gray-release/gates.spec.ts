import { describe, expect, it } from 'vitest';
import { EMPTY_BAKE, evaluateGates, measurementDetails, type MetricsReading } from './gates';

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
    ]);
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
    expect(verdict.measurements.map((m) => m.value)).toEqual([1, null, null]);
  });
});
