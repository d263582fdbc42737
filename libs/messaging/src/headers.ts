import type { IHeaders } from 'kafkajs';

/** Kafka header names Shipshape writes. Trace context uses the W3C names. */
export const HEADERS = {
  messageId: 'message-id',
  eventType: 'event-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  errorCode: 'x-error-code',
  errorMessage: 'x-error-message',
  errorAttempts: 'x-error-attempts',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  originalTimestamp: 'x-original-timestamp',
  failedConsumer: 'x-failed-consumer',
  failedAt: 'x-failed-at',
} as const;

export type HeaderMap = Record<string, string>;

/** Kafka headers as plain strings (first value wins for repeated headers). */
export function headersToStrings(headers: IHeaders | undefined): HeaderMap {
  const out: HeaderMap = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}
