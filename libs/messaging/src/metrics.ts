import { metrics, type Attributes } from '@opentelemetry/api';

/**
 * Messaging instruments. They report through whatever MeterProvider the process registered
 * (@shipshape/telemetry serves them as Prometheus text on /metrics); without one they are no-ops.
 */
const meter = metrics.getMeter('@shipshape/messaging');

export const handlerDuration = meter.createHistogram('shipshape.messaging.handler.duration', {
  description: 'Time from the start of a handler transaction to its commit',
  unit: 's',
});
export const messagesProcessed = meter.createCounter('shipshape.messaging.messages.processed', {
  description: 'Messages consumed, by outcome (applied, duplicate, unhandled, dead_lettered)',
});
export const dlqMessages = meter.createCounter('shipshape.messaging.dlq.messages', {
  description: 'Messages sent to a dead-letter topic',
});
export const outboxPublished = meter.createCounter('shipshape.messaging.outbox.published', {
  description: 'Outbox rows published to Kafka',
});

const lagByPartition = new Map<string, { value: number; attributes: Attributes }>();
let outboxBacklog = 0;

meter
  .createObservableGauge('shipshape.messaging.consumer.lag', { description: 'Messages behind the high watermark, per partition' })
  .addCallback((result) => {
    for (const { value, attributes } of lagByPartition.values()) result.observe(value, attributes);
  });
meter
  .createObservableGauge('shipshape.messaging.outbox.backlog', { description: 'Outbox rows not yet published' })
  .addCallback((result) => result.observe(outboxBacklog));

export function recordLag(consumer: string, topic: string, partition: number, lag: number): void {
  lagByPartition.set(`${consumer}\u0000${topic}\u0000${partition}`, {
    value: Math.max(0, lag),
    attributes: { consumer, topic, partition },
  });
}

export function recordOutboxBacklog(rows: number): void {
  outboxBacklog = rows;
}
