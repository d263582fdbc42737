import { context, metrics, propagation, trace, type Meter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { registerProcessMetrics } from './process-metrics';

/** Content type of the Prometheus text exposition format served on /metrics. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP/HTTP base URL (e.g. http://otel-collector:4318). Defaults to OTEL_EXPORTER_OTLP_ENDPOINT; unset = no OTLP export. */
  readonly otlpEndpoint?: string;
  /** Period of the OTLP metric export. Default 15 s. */
  readonly metricExportIntervalMs?: number;
  /** Register the process_* / nodejs_* gauges. Default true. */
  readonly processMetrics?: boolean;
}

export interface Telemetry {
  readonly serviceName: string;
  /** True when traces and metrics are also exported over OTLP. */
  readonly otlpEnabled: boolean;
  /** A meter from the process-wide MeterProvider (its instruments show up on /metrics). */
  meter(name?: string): Meter;
  /** Every metric of this process in the Prometheus text format (serve with PROMETHEUS_CONTENT_TYPE). */
  renderMetrics(): Promise<string>;
  /** Flushes and stops exporters, then unregisters the global providers. Idempotent; bounded by a timeout. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_TIMEOUT_MS = 5_000;

let current: Telemetry | undefined;

/** The running telemetry of this process, if startTelemetry was called and not shut down. */
export function getTelemetry(): Telemetry | undefined {
  return current;
}

/**
 * Starts the OpenTelemetry NodeSDK once per process: W3C trace-context (+ baggage) propagation,
 * a tracer provider (spans always get real ids, so logs correlate; exported only with an OTLP endpoint),
 * a meter provider read by a Prometheus reader (no server of its own: see renderMetrics) and, with an
 * OTLP endpoint, by a periodic OTLP reader. A second call while running returns the running instance.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (current) return current;

  const endpoint = (options.otlpEndpoint ?? process.env['OTEL_EXPORTER_OTLP_ENDPOINT'])?.trim().replace(/\/+$/, '') || undefined;
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer();

  const metricReaders: IMetricReader[] = [prometheus];
  const spanProcessors: SpanProcessor[] = [];
  if (endpoint) {
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
        exportIntervalMillis: options.metricExportIntervalMs ?? 15_000,
      }),
    );
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) }));
  } else {
    // A recording tracer with nowhere to send: spans still carry ids for log correlation and propagation.
    spanProcessors.push(new NoopSpanProcessor());
  }

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: defaultResource().merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      }),
    ),
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    metricReaders,
    spanProcessors,
    // Without these the SDK falls back to env defaults and exports logs over OTLP to localhost.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();

  const stopProcessMetrics = options.processMetrics === false ? () => undefined : registerProcessMetrics(metrics.getMeter('@shipshape/telemetry'));

  let stopping: Promise<void> | undefined;
  const telemetry: Telemetry = {
    serviceName: options.serviceName,
    otlpEnabled: endpoint !== undefined,
    meter: (name = options.serviceName) => metrics.getMeter(name),
    renderMetrics: async () => {
      const { resourceMetrics } = await prometheus.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () =>
      (stopping ??= (async () => {
        stopProcessMetrics();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            sdk.shutdown(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref();
            }),
          ]);
        } finally {
          clearTimeout(timer);
          trace.disable();
          metrics.disable();
          propagation.disable();
          context.disable();
          if (current === telemetry) current = undefined;
        }
      })()),
  };
  current = telemetry;
  return telemetry;
}
