import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Meter } from '@opentelemetry/api';

type RoutedRequest = IncomingMessage & { route?: { path?: unknown } };

/** Express middleware recording http_server_request_duration_seconds by method, route template and status. */
export function httpMetricsMiddleware(meter: Meter): (req: RoutedRequest, res: ServerResponse, next: () => void) => void {
  const duration = meter.createHistogram('http_server_request_duration_seconds', {
    description: 'Duration of HTTP requests served, by route template.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] },
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
      duration.record(Number(process.hrtime.bigint() - started) / 1e9, { method: req.method ?? 'UNKNOWN', route, status_code: res.statusCode });
    });
    next();
  };
}
