import { setTimeout as delay } from 'node:timers/promises';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { dlqTopic } from '@shipshape/contracts';
import type { Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventCodec } from '../codec';
import { errorCode, errorMessage, isDatabaseUnavailable, isRetryable } from '../errors';
import { HEADERS, headersToStrings, type HeaderMap } from '../headers';
import { SILENT_LOGGER, type MessagingLogger } from '../kafka/kafka-client';
import { countDeadLettered, countProcessed, recordHandlerDuration, recordLag } from '../metrics';
import { OutboxWriter, type OutboxMessage } from '../outbox/outbox.writer';

export interface InboundEvent<T = unknown> {
  readonly eventType: string;
  readonly writerVersion: number;
  readonly value: T;
  /** The idempotency id (header `message-id`; topic/partition/offset when absent). */
  readonly messageId: string;
  readonly key: string | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly headers: HeaderMap;
}

/** What a handler gets besides the event: its transaction, and the outbox bound to it. */
export interface HandlerContext {
  readonly event: InboundEvent;
  /** The transaction that also records the inbox row; every effect must go through it. */
  readonly tx: EntityManager;
  /** Adds outgoing events to the outbox in the same transaction. */
  publish(message: OutboxMessage | readonly OutboxMessage[]): Promise<void>;
}

export type EventHandler = (event: InboundEvent, ctx: HandlerContext) => unknown;

/** What a batch handler gets: its events (new ones only, in partition order), their transaction and the outbox. */
export interface BatchHandlerContext {
  readonly events: readonly InboundEvent[];
  readonly tx: EntityManager;
  publish(message: OutboxMessage | readonly OutboxMessage[]): Promise<void>;
}

/**
 * Applies several consecutive events of one type in one call, so a handler can change many rows with
 * a constant number of statements. Same guarantees as EventHandler: it runs inside the transaction
 * that records the events' inbox rows; when it throws, the events are retried one at a time (a batch
 * of one).
 */
export type BatchEventHandler = (events: readonly InboundEvent[], ctx: BatchHandlerContext) => unknown;

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, initialDelayMs: 200, multiplier: 2, maxDelayMs: 5000 };

export interface InboxConsumerOptions {
  /** Consumer name: the Kafka group id and the inbox's consumer column. */
  readonly consumer: string;
  readonly topics: readonly string[];
  readonly kafka: Kafka;
  readonly dataSource: DataSource;
  readonly codec: EventCodec;
  /** Handler per event type; events of other types are acknowledged and skipped. */
  readonly handlers: ReadonlyMap<string, EventHandler> | Readonly<Record<string, EventHandler>>;
  /** Batch handler per event type (takes precedence over `handlers` for that type). */
  readonly batchHandlers?: ReadonlyMap<string, BatchEventHandler> | Readonly<Record<string, BatchEventHandler>>;
  readonly logger?: MessagingLogger;
  readonly retry?: Partial<RetryPolicy>;
  /** Messages of one partition applied in one transaction when all succeed (falls back to one by one). */
  readonly transactionBatchSize?: number;
  readonly partitionsConsumedConcurrently?: number;
  /** Where a new consumer group starts; default: the beginning, so nothing published before it is missed. */
  readonly fromBeginning?: boolean;
  /** Called after handler transactions commit and before their offsets are committed. */
  readonly afterCommit?: (events: readonly InboundEvent[]) => void | Promise<void>;
  /** Kafka group session timeout: how long a dead member keeps its partitions. Default 30 s. */
  readonly sessionTimeoutMs?: number;
  /** Inbox rows older than this are pruned (they only guard against redelivery). Default 7 days. */
  readonly inboxRetentionMs?: number;
}

type Decoded = { kind: 'event'; event: InboundEvent; raw: KafkaMessage } | { kind: 'poison'; error: unknown; raw: KafkaMessage } | { kind: 'tombstone'; raw: KafkaMessage };

const tracer = trace.getTracer('@shipshape/messaging');

/**
 * Consumes topics with at-least-once delivery and exactly-once effects: the inbox row (unique on
 * consumer + message id), the handler's changes and its outbox rows commit in one transaction, and
 * the offset is committed only after that. A redelivered message finds its inbox row and has no
 * effect. Undecodable messages go to `<topic>.dlq` at once; failing handlers are retried with
 * exponential backoff and then dead-lettered, and the partition moves on.
 */
export class InboxConsumer {
  private readonly logger: MessagingLogger;
  private readonly retry: RetryPolicy;
  private readonly txBatch: number;
  private readonly outbox: OutboxWriter;
  private readonly handlers: ReadonlyMap<string, EventHandler>;
  private readonly batchHandlers: ReadonlyMap<string, BatchEventHandler>;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private stopping = false;
  private pruneTimer: NodeJS.Timeout | null = null;
  private starting: Promise<void> | null = null;

  constructor(private readonly options: InboxConsumerOptions) {
    this.logger = options.logger ?? SILENT_LOGGER;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.txBatch = Math.max(1, options.transactionBatchSize ?? 50);
    this.outbox = new OutboxWriter(options.codec);
    this.handlers = options.handlers instanceof Map ? options.handlers : new Map(Object.entries(options.handlers));
    const batch = options.batchHandlers ?? {};
    this.batchHandlers = batch instanceof Map ? batch : new Map(Object.entries(batch));
  }

  async start(): Promise<void> {
    const { kafka, consumer: groupId } = this.options;
    this.producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: this.options.sessionTimeoutMs ?? 30_000, heartbeatInterval: 3000 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
    const retention = this.options.inboxRetentionMs ?? 7 * 24 * 60 * 60 * 1000;
    this.pruneTimer = setInterval(() => void this.pruneInbox(retention), 60 * 60 * 1000);
    this.pruneTimer.unref();
  }

  /** Like start, but retried with backoff until it succeeds or stop() is called; failures are logged. */
  startInBackground(): void {
    this.stopping = false;
    this.starting = (async () => {
      let backoffMs = 500;
      while (!this.stopping) {
        try {
          await this.start();
          if (this.stopping) await this.disconnect(); // stop() came while we were connecting
          return;
        } catch (error) {
          await this.disconnect();
          if (this.stopping) return;
          this.logger.error({ err: error, consumer: this.options.consumer, backoffMs }, 'consumer failed to start; retrying');
          await delay(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 5000);
        }
      }
    })();
  }

  /** Graceful: the batch in flight finishes its transactions and commits its offsets, then we leave the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    // A start still connecting to an unreachable broker is not waited for long; it disconnects itself.
    if (this.starting) await Promise.race([this.starting, delay(5000)]);
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    const consumer = this.consumer;
    this.consumer = null;
    if (consumer) await consumer.disconnect().catch(() => undefined);
    const producer = this.producer;
    this.producer = null;
    if (producer) await producer.disconnect().catch(() => undefined);
  }

  async pruneInbox(olderThanMs: number): Promise<void> {
    try {
      await this.options.dataSource.query(
        `DELETE FROM messaging_inbox WHERE consumer = $1 AND processed_at < clock_timestamp() - ($2::bigint * interval '1 millisecond')`,
        [this.options.consumer, olderThanMs],
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'inbox prune failed');
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale } = payload;
    let run: Array<Extract<Decoded, { kind: 'event' }>> = [];
    const flush = async (): Promise<void> => {
      if (run.length === 0) return;
      const events = run;
      run = [];
      await this.applyRun(events, payload);
      await this.checkpoint(payload, events[events.length - 1]!.raw.offset);
      await heartbeat();
    };

    for (const raw of batch.messages) {
      if (!isRunning() || isStale()) break;
      const decoded = this.decode(batch, raw);
      if (decoded.kind === 'tombstone') {
        // A compacted topic's deletion marker (null value): nothing to apply; the event before it said what changed.
        await flush();
        countProcessed(1, { consumer: this.options.consumer, outcome: 'tombstone' });
        await this.checkpoint(payload, raw.offset);
        continue;
      }
      if (decoded.kind === 'poison') {
        await flush();
        await this.deadLetter(batch.topic, batch.partition, raw, decoded.error, 0);
        countProcessed(1, { consumer: this.options.consumer, outcome: 'dead_lettered' });
        await this.checkpoint(payload, raw.offset);
        continue;
      }
      run.push(decoded);
      if (run.length >= this.txBatch) await flush();
    }
    await flush();
    const last = Number(batch.highWatermark) - 1;
    const lastOffset = batch.messages.length ? Number(batch.messages[batch.messages.length - 1]!.offset) : last;
    recordLag(this.options.consumer, batch.topic, batch.partition, last - lastOffset);
  }

  private async checkpoint(payload: EachBatchPayload, offset: string): Promise<void> {
    payload.resolveOffset(offset);
    await payload.commitOffsetsIfNecessary({
      topics: [{ topic: payload.batch.topic, partitions: [{ partition: payload.batch.partition, offset: (BigInt(offset) + 1n).toString() }] }],
    });
  }

  private decode(batch: Batch, raw: KafkaMessage): Decoded {
    if (raw.value === null) return { kind: 'tombstone', raw };
    try {
      if (raw.value.length === 0) throw new Error('message has an empty value');
      const decoded = this.options.codec.decode(raw.value);
      const headers = headersToStrings(raw.headers);
      return {
        kind: 'event',
        raw,
        event: {
          eventType: decoded.eventType,
          writerVersion: decoded.writerVersion,
          value: decoded.value,
          messageId: headers[HEADERS.messageId] ?? `${batch.topic}/${batch.partition}/${raw.offset}`,
          key: raw.key ? raw.key.toString('utf8') : null,
          topic: batch.topic,
          partition: batch.partition,
          offset: raw.offset,
          timestamp: raw.timestamp,
          headers,
        },
      };
    } catch (error) {
      return { kind: 'poison', raw, error };
    }
  }

  /** Applies consecutive events of one partition: together when all succeed, else one at a time with retries. */
  private async applyRun(run: Array<Extract<Decoded, { kind: 'event' }>>, payload: EachBatchPayload): Promise<void> {
    if (run.length > 1) {
      try {
        await this.applyInTransaction(run.map((d) => d.event));
        return;
      } catch (error) {
        this.logger.debug({ err: error, size: run.length }, 'batch transaction failed; applying one by one');
      }
    }
    for (const decoded of run) await this.applyWithRetry(decoded, payload);
  }

  /**
   * Retries a failing event with backoff, then dead-letters it. While the database is unavailable
   * (down, restarting) the attempts do not count: the event is not at fault, so the partition waits
   * for the database (heartbeating) instead of dead-lettering events it could apply a moment later.
   */
  private async applyWithRetry(decoded: Extract<Decoded, { kind: 'event' }>, payload: EachBatchPayload): Promise<void> {
    const { event, raw } = decoded;
    let delayMs = this.retry.initialDelayMs;
    for (let attempt = 1; ; ) {
      try {
        await this.applyInTransaction([event]);
        return;
      } catch (error) {
        const unavailable = isDatabaseUnavailable(error);
        const exhausted = !unavailable && (attempt >= this.retry.maxAttempts || !isRetryable(error));
        this.logger.warn(
          { err: error, topic: event.topic, partition: event.partition, offset: event.offset, messageId: event.messageId, attempt, exhausted, unavailable },
          unavailable ? 'database unavailable; waiting to apply the event' : 'event handler failed',
        );
        if (exhausted) {
          await this.deadLetter(event.topic, event.partition, raw, error, attempt);
          countProcessed(1, { consumer: this.options.consumer, outcome: 'dead_lettered' });
          return;
        }
        if (this.stopping || !payload.isRunning()) throw error; // not committed: redelivered after restart
        await delay(delayMs);
        await payload.heartbeat();
        delayMs = Math.min(delayMs * this.retry.multiplier, this.retry.maxDelayMs);
        if (!unavailable) attempt++;
      }
    }
  }

  private async applyInTransaction(events: readonly InboundEvent[]): Promise<void> {
    const handled = events.filter((e) => this.batchHandlers.has(e.eventType) || this.handlers.has(e.eventType));
    const unhandled = events.length - handled.length;
    countProcessed(unhandled, { consumer: this.options.consumer, outcome: 'unhandled' });
    if (handled.length === 0) return;

    const started = performance.now();
    let applied = 0;
    await this.options.dataSource.transaction(async (tx) => {
      const rows: Array<{ message_id: string }> = await tx.query(
        `INSERT INTO messaging_inbox (consumer, message_id, topic, kafka_partition, kafka_offset)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[])
         ON CONFLICT DO NOTHING RETURNING message_id`,
        [this.options.consumer, handled.map((e) => e.messageId), handled.map((e) => e.topic), handled.map((e) => e.partition), handled.map((e) => e.offset)],
      );
      const fresh = new Set(rows.map((r) => r.message_id));
      // Seen before (or twice in this batch): no effect.
      const todo = handled.filter((e) => fresh.delete(e.messageId));
      // In partition order; consecutive events of a type with a batch handler go to it together.
      for (let i = 0; i < todo.length; ) {
        const type = todo[i]!.eventType;
        let end = i + 1;
        if (this.batchHandlers.has(type)) while (end < todo.length && todo[end]!.eventType === type) end++;
        const group = todo.slice(i, end);
        if (this.batchHandlers.has(type)) await this.invokeBatch(group, tx);
        else await this.invoke(group[0]!, tx);
        applied += group.length;
        i = end;
      }
    });
    const seconds = (performance.now() - started) / 1000;
    recordHandlerDuration(seconds, { consumer: this.options.consumer });
    countProcessed(applied, { consumer: this.options.consumer, outcome: 'applied' });
    countProcessed(handled.length - applied, { consumer: this.options.consumer, outcome: 'duplicate' });
    await this.options.afterCommit?.(events);
  }

  private async invoke(event: InboundEvent, tx: EntityManager): Promise<void> {
    const handler = this.handlers.get(event.eventType)!;
    const ctx: HandlerContext = { event, tx, publish: (message) => this.publishIn(tx, message) };
    await this.traced([event], () => handler(event, ctx));
  }

  private async invokeBatch(events: readonly InboundEvent[], tx: EntityManager): Promise<void> {
    const handler = this.batchHandlers.get(events[0]!.eventType)!;
    const ctx: BatchHandlerContext = { events, tx, publish: (message) => this.publishIn(tx, message) };
    await this.traced(events, () => handler(events, ctx));
  }

  private async publishIn(tx: EntityManager, message: OutboxMessage | readonly OutboxMessage[]): Promise<void> {
    await this.outbox.addMany(tx, Array.isArray(message) ? (message as readonly OutboxMessage[]) : [message as OutboxMessage]);
  }

  /**
   * One consumer span around the handler call, child of the first event's trace; the other events'
   * traces are linked (as OpenTelemetry does for batch receives).
   */
  private async traced(events: readonly InboundEvent[], call: () => unknown): Promise<void> {
    const event = events[0]!;
    const parent = propagation.extract(context.active(), event.headers);
    const links = events.slice(1).flatMap((e) => {
      const linked = trace.getSpanContext(propagation.extract(context.active(), e.headers));
      return linked ? [{ context: linked }] : [];
    });
    const span = tracer.startSpan(
      `process ${event.topic}`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.destination.name': event.topic,
          'messaging.kafka.message.key': event.key ?? '',
          'messaging.message.id': event.messageId,
          'messaging.consumer.group.name': this.options.consumer,
          'shipshape.event_type': event.eventType,
          ...(events.length > 1 ? { 'messaging.batch.message_count': events.length } : {}),
        },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), call);
    } catch (error) {
      span.recordException(error instanceof Error ? error : new Error(String(error)));
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      throw error;
    } finally {
      span.end();
    }
  }

  private async deadLetter(topic: string, partition: number, raw: KafkaMessage, error: unknown, attempts: number): Promise<void> {
    const headers: Record<string, string | Buffer> = {};
    for (const [name, value] of Object.entries(raw.headers ?? {})) {
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) headers[name] = first;
    }
    Object.assign(headers, {
      [HEADERS.errorCode]: errorCode(error),
      [HEADERS.errorMessage]: errorMessage(error).slice(0, 2000),
      [HEADERS.errorAttempts]: String(attempts),
      [HEADERS.originalTopic]: topic,
      [HEADERS.originalPartition]: String(partition),
      [HEADERS.originalOffset]: raw.offset,
      [HEADERS.originalTimestamp]: raw.timestamp,
      [HEADERS.failedConsumer]: this.options.consumer,
      [HEADERS.failedAt]: new Date().toISOString(),
    });
    await this.producer!.send({ topic: dlqTopic(topic), acks: -1, messages: [{ key: raw.key, value: raw.value, headers }] });
    countDeadLettered({ consumer: this.options.consumer, topic });
    this.logger.error({ topic, partition, offset: raw.offset, code: errorCode(error), attempts }, 'message sent to dead-letter topic');
  }
}
