import { context, propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { getTelemetry, startTelemetry } from './telemetry';

describe('startTelemetry', () => {
  afterEach(async () => {
    await getTelemetry()?.shutdown();
  });

  it('serves OTel counters in the Prometheus text format', async () => {
    const telemetry = startTelemetry({ serviceName: 'telemetry-spec' });
    const counter = telemetry.meter('spec').createCounter('shipshape_spec_events', { description: 'events seen by the spec' });
    counter.add(2, { kind: 'a' });
    counter.add(1, { kind: 'a' });

    const text = await telemetry.renderMetrics();

    expect(text).toContain('# TYPE shipshape_spec_events_total counter');
    expect(text).toMatch(/^shipshape_spec_events_total\{kind="a"[^}]*\} 3$/m);
    expect(text).toMatch(/^target_info\{[^}]*service_name="telemetry-spec"/m);
  });

  it('includes the process gauges', async () => {
    const text = await startTelemetry({ serviceName: 'telemetry-spec' }).renderMetrics();

    const rss = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m.exec(text);
    expect(rss).not.toBeNull();
    expect(Number(rss?.[1])).toBeGreaterThan(1_000_000);
    expect(text).toMatch(/^process_cpu_seconds_total(?:\{[^}]*\})? [\d.e+-]+$/m);
  });

  it('is started once per process and can start again after shutdown', async () => {
    const first = startTelemetry({ serviceName: 'one' });
    expect(startTelemetry({ serviceName: 'two' })).toBe(first);

    await first.shutdown();
    await first.shutdown();
    expect(getTelemetry()).toBeUndefined();

    const second = startTelemetry({ serviceName: 'two' });
    expect(second).not.toBe(first);
    expect(second.serviceName).toBe('two');
  });

  it('registers the W3C trace-context propagator', () => {
    startTelemetry({ serviceName: 'telemetry-spec', processMetrics: false });
    const carrier: Record<string, string> = {};

    trace.getTracer('spec').startActiveSpan('outgoing', (span) => {
      propagation.inject(context.active(), carrier);
      span.end();
    });

    expect(carrier['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
