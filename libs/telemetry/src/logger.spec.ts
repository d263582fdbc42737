import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger';
import { startTelemetry } from './telemetry';

function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

describe('createLogger', () => {
  const telemetry = startTelemetry({ serviceName: 'logger-spec', processMetrics: false });
  afterAll(() => telemetry.shutdown());

  it('writes the active span ids into each record', () => {
    const out = captureLines();
    const logger = createLogger('logger-spec', { component: 'spec' }, { destination: out.stream });

    let ids = { traceId: '', spanId: '' };
    trace.getTracer('spec').startActiveSpan('unit of work', (span) => {
      ids = span.spanContext();
      logger.info({ attempt: 2 }, 'step started');
      span.end();
    });

    const [record] = out.lines();
    expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(ids.traceId).not.toBe('0'.repeat(32));
    expect(record).toMatchObject({
      level: 'info',
      name: 'logger-spec',
      component: 'spec',
      attempt: 2,
      msg: 'step started',
      trace_id: ids.traceId,
      span_id: ids.spanId,
      trace_flags: '01',
    });
  });

  it('leaves the trace fields out when no span is active', () => {
    const out = captureLines();
    createLogger('logger-spec', {}, { destination: out.stream }).warn('no span here');

    const [record] = out.lines();
    expect(record).toMatchObject({ level: 'warn', msg: 'no span here' });
    expect(record).not.toHaveProperty('trace_id');
    expect(record).not.toHaveProperty('span_id');
  });

  it('honours the level', () => {
    const out = captureLines();
    const logger = createLogger('logger-spec', {}, { destination: out.stream, level: 'warn' });
    logger.info('dropped');
    logger.error({ code: 'X' }, 'kept');

    expect(out.lines().map((l) => l['msg'])).toEqual(['kept']);
  });
});
