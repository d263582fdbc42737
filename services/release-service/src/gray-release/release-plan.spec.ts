import { EVENT_SAMPLES, type StepCommand } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { batchCounts, parseBatches, PLATFORM_DEFAULTS, resolvePlan } from './release-plan';

function command(overrides: { buildTool?: string; release?: StepCommand['parameters']['release']; extra?: Record<string, string> } = {}): StepCommand {
  const base = EVENT_SAMPLES.StepCommand;
  return {
    ...base,
    stage: 'release',
    application: { ...base.application, buildTool: overrides.buildTool ?? base.application.buildTool },
    parameters: { ...base.parameters, change: null, release: overrides.release ?? null, extra: overrides.extra ?? {} },
  };
}

const RELEASE = { gitRef: 'abc123', runtime: 'local', trafficSteps: [10, 50, 100], observeSeconds: 30, maxErrorRate: 0.05, autoRollback: true };

describe('batchCounts', () => {
  it('turns the default 1 instance, 25%, 50%, 100% into increasing counts ending with every instance', () => {
    const steps = PLATFORM_DEFAULTS.npm?.batches ?? [];
    expect(batchCounts(steps, 4)).toEqual([1, 2, 4]);
    expect(batchCounts(steps, 10)).toEqual([1, 3, 5, 10]);
    expect(batchCounts(steps, 1)).toEqual([1]);
  });

  it('adds a last batch when the steps stop short of every instance', () => {
    expect(batchCounts([{ percent: 10 }, { percent: 50 }], 6)).toEqual([1, 3, 6]);
  });
});

describe('parseBatches', () => {
  it('reads counts and percents', () => {
    expect(parseBatches('1, 25%,100%')).toEqual([{ instances: 1 }, { percent: 25 }, { percent: 100 }]);
  });
  it.each(['', '0', '101%', 'a,b', '1,,2'])('refuses %j', (text) => {
    expect(parseBatches(text)).toBeNull();
  });
});

describe('resolvePlan', () => {
  it('uses the platform defaults when the step has no release parameters', () => {
    const outcome = resolvePlan(command({ buildTool: 'maven' }));

    expect(outcome).toMatchObject({
      kind: 'plan',
      plan: { bakeMs: 60_000, healthPath: '/actuator/health', metricsPath: '/actuator/prometheus', gitRef: 'main', autoRollback: true, gates: { maxErrorRate: 0.01 } },
    });
  });

  it('takes the release parameters, then the release.* extra keys over them', () => {
    const outcome = resolvePlan(
      command({
        buildTool: 'npm',
        release: RELEASE,
        extra: { 'release.bakeMs': '300', 'release.maxLatencyMs': '50', 'release.metrics.errors': 'x_total{code="500"}', 'release.env.FOO': 'bar', 'release.instances': '4' },
      }),
    );

    expect(outcome).toMatchObject({
      kind: 'plan',
      plan: {
        batches: [{ percent: 10 }, { percent: 50 }, { percent: 100 }],
        bakeMs: 300,
        gitRef: 'abc123',
        gates: { maxErrorRate: 0.05, maxLatencyMs: 50, minHealthRatio: 0.95 },
        metrics: { errors: 'x_total{code="500"}' },
        env: { FOO: 'bar' },
        instances: 4,
      },
    });
  });

  it('names every bad field', () => {
    const outcome = resolvePlan(
      command({
        release: { ...RELEASE, trafficSteps: [0, 50], maxErrorRate: 2 },
        extra: { 'release.bakeMs': 'soon', 'release.minHealthRatio': '1.5', 'release.healthPath': 'health', 'release.env.1X': 'y', 'release.metrics.latency': 'a b' },
      }),
    );

    expect(outcome.kind).toBe('invalid');
    if (outcome.kind !== 'invalid') return;
    expect(outcome.problems.map((p) => p.field).sort()).toEqual(
      [
        'parameters.release.trafficSteps',
        'parameters.release.maxErrorRate',
        'parameters.extra["release.bakeMs"]',
        'parameters.extra["release.minHealthRatio"]',
        'parameters.extra["release.healthPath"]',
        'parameters.extra["release.env.1X"]',
        'parameters.extra["release.metrics.latency"]',
      ].sort(),
    );
  });
});
