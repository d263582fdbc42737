import { describe, expect, it } from 'vitest';
import { bucketsOf, histogramQuantile, parsePrometheusText, parseSelector, sumOf } from './prometheus-text';

const TEXT = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",status="200"} 1027 1395066363000
http_requests_total{method="POST",status="500"} 3
http_requests_total{method="GET",status="500", path="a \\"quoted\\" \\\\ path"} 2
app_latency_seconds_sum 12.5
app_latency_seconds_count 50
weird_value +Inf
broken{unclosed="x 1
not a line
`;

describe('parsePrometheusText', () => {
  it('reads names, labels (with escapes), values and skips comments and bad lines', () => {
    const samples = parsePrometheusText(TEXT);

    expect(samples).toHaveLength(6);
    expect(samples[0]).toEqual({ name: 'http_requests_total', labels: { method: 'GET', status: '200' }, value: 1027 });
    expect(samples[2]?.labels.path).toBe('a "quoted" \\ path');
    expect(samples[5]).toEqual({ name: 'weird_value', labels: {}, value: Number.POSITIVE_INFINITY });
  });
});

describe('sumOf', () => {
  const samples = parsePrometheusText(TEXT);

  it('sums every series of a name', () => {
    expect(sumOf(samples, parseSelector('http_requests_total')!)).toBe(1032);
  });

  it('sums only the series whose labels match', () => {
    expect(sumOf(samples, parseSelector('http_requests_total{status="500"}')!)).toBe(5);
    expect(sumOf(samples, parseSelector('http_requests_total{status="500",method="POST"}')!)).toBe(3);
  });

  it('is null when no series matches', () => {
    expect(sumOf(samples, parseSelector('missing_total')!)).toBeNull();
    expect(sumOf(samples, parseSelector('http_requests_total{status="404"}')!)).toBeNull();
  });

  it('refuses a selector it cannot read', () => {
    expect(parseSelector('not a metric')).toBeNull();
    expect(parseSelector('x{a=b}')).toBeNull();
  });
});

describe('histograms', () => {
  const HISTOGRAM = `# TYPE req_seconds histogram
req_seconds_bucket{route="/a",le="0.1"} 4
req_seconds_bucket{route="/a",le="0.5"} 9
req_seconds_bucket{route="/a",le="+Inf"} 10
req_seconds_bucket{route="/b",le="0.1"} 0
req_seconds_bucket{route="/b",le="0.5"} 1
req_seconds_bucket{route="/b",le="+Inf"} 10
req_seconds_sum 20
req_seconds_count 20
`;

  it('sums the buckets of every matching series by upper bound; null without buckets', () => {
    const samples = parsePrometheusText(HISTOGRAM);
    expect(bucketsOf(samples, parseSelector('req_seconds')!)).toEqual({ '0.1': 4, '0.5': 10, Infinity: 20 });
    expect(bucketsOf(samples, parseSelector('req_seconds{route="/a"}')!)).toEqual({ '0.1': 4, '0.5': 9, Infinity: 10 });
    expect(bucketsOf(parsePrometheusText('app_latency_seconds_sum 1\napp_latency_seconds_count 2\n'), parseSelector('app_latency_seconds')!)).toBeNull();
  });

  it('interpolates a quantile inside its bucket like histogram_quantile', () => {
    expect(histogramQuantile(0.5, { '0.1': 4, '0.5': 9, '+Inf': 10 })).toBeCloseTo(0.1 + 0.4 * (1 / 5), 9);
    expect(histogramQuantile(0.2, { '0.1': 4, '0.5': 9, '+Inf': 10 })).toBeCloseTo(0.05, 9); // first bucket: from 0
    expect(histogramQuantile(0.95, { '0.1': 4, '0.5': 9, '+Inf': 10 })).toBe(0.5); // in +Inf: the highest finite bound
    expect(histogramQuantile(0.95, { '0.1': 0, '+Inf': 0 })).toBeNull();
    expect(histogramQuantile(0.95, { '0.1': 3 })).toBeNull(); // no +Inf bucket: not a histogram
  });
});
