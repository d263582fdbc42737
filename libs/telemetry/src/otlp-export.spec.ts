import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from './telemetry';

/** A local HTTP endpoint standing in for an OTel collector: records what paths were posted. */
describe('OTLP export', () => {
  const posted: string[] = [];
  let server: Server;
  let endpoint = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posted.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends spans and metrics to <endpoint>/v1/traces and /v1/metrics when an endpoint is set', async () => {
    const telemetry = startTelemetry({ serviceName: 'otlp-spec', otlpEndpoint: endpoint, processMetrics: false });
    expect(telemetry.otlpEnabled).toBe(true);
    telemetry.meter('spec').createCounter('otlp_spec_events').add(1);
    trace.getTracer('spec').startActiveSpan('exported', (span) => span.end());

    await telemetry.shutdown();

    expect(posted).toEqual(expect.arrayContaining([expect.stringMatching(/^POST \/v1\/traces application\/json/), expect.stringMatching(/^POST \/v1\/metrics application\/json/)]));
  });

  it('leaves OTLP off without an endpoint', async () => {
    const previous = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    try {
      const telemetry = startTelemetry({ serviceName: 'otlp-spec', processMetrics: false });
      expect(telemetry.otlpEnabled).toBe(false);
      await telemetry.shutdown();
    } finally {
      if (previous !== undefined) process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = previous;
    }
  });
});
