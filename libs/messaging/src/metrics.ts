import { metrics, type Attributes, type Counter, type Histogram, type MeterProvider } from '@opentelemetry/api';

/**
 * Messaging instruments. `@opentelemetry/api` has no proxy for metrics: a meter taken before the
 * process registered its MeterProvider stays a no-op for good. So the instruments are (re)made from
 * whichever provider is registered when they are first used, and again if it changes (telemetry
 * restarted); @shipshape/telemetry serves them as Prometheus text on /metrics.
 */
interface Instruments {
  readonly handlerDuration: Histogram;
  readonly messagesProcessed: Counter;
  readonly dlqMessages: Counter;
  readonly outboxPublished: Counter;
}

const lagByPartition = new Map<string, { value: number; attributes: Attributes }>();
let outboxBacklog = 0;
let boundTo: MeterProvider | null = null;
let instruments: Instruments | null = null;

function current(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments && boundTo === provider) return instruments;
  const meter = provider.getMeter('@shipshape/messaging');
  meter
    .createObservableGauge('shipshape.messaging.consumer.lag', { description: 'Messages behind the high watermark, per partition' })
    .addCallback((result) => {
      for (const { value, attributes } of lagByPartition.values()) result.observe(value, attributes);
    });
  meter
    .createObservableGauge('shipshape.messaging.outbox.backlog', { description: 'Outbox rows not yet published' })
    .addCallback((result) => result.observe(outboxBacklog));
  instruments = {
    handlerDuration: meter.createHistogram('shipshape.messaging.handler.duration.seconds', {
      description: 'Time from the start of a handler transaction to its commit',
      unit: 's',
    }),
    messagesProcessed: meter.createCounter('shipshape.messaging.messages.processed', {
      description: 'Messages consumed, by outcome (applied, duplicate, unhandled, dead_lettered)',
    }),
    dlqMessages: meter.createCounter('shipshape.messaging.dlq.messages', { description: 'Messages sent to a dead-letter topic' }),
    outboxPublished: meter.createCounter('shipshape.messaging.outbox.published', { description: 'Outbox rows published to Kafka' }),
  };
  boundTo = provider;
  return instruments;
}

export function recordHandlerDuration(seconds: number, attributes: Attributes): void {
  current().handlerDuration.record(seconds, attributes);
}

export function countProcessed(count: number, attributes: Attributes): void {
  if (count > 0) current().messagesProcessed.add(count, attributes);
}

export function countDeadLettered(attributes: Attributes): void {
  current().dlqMessages.add(1, attributes);
}

export function countPublished(count: number): void {
  current().outboxPublished.add(count);
}

export function recordLag(consumer: string, topic: string, partition: number, lag: number): void {
  current();
  lagByPartition.set(`${consumer}\u0000${topic}\u0000${partition}`, {
    value: Math.max(0, lag),
    attributes: { consumer, topic, partition },
  });
}

export function recordOutboxBacklog(rows: number): void {
  current();
  outboxBacklog = rows;
}
