import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import {
  InboxConsumer,
  type BatchEventHandler,
  type BatchHandlerContext,
  type EventHandler,
  type HandlerContext,
  type InboxConsumerOptions,
  type InboundEvent,
} from '../inbox/inbox.consumer';
import type { OutboxMessage } from '../outbox/outbox.writer';

/** What `@Ctx()` receives in a handler: the event's metadata, its transaction and the bound outbox. */
export class EventContext extends BaseRpcContext<[HandlerContext]> {
  get event(): InboundEvent {
    return this.args[0].event;
  }
  get tx(): HandlerContext['tx'] {
    return this.args[0].tx;
  }
  publish(message: OutboxMessage | readonly OutboxMessage[]): Promise<void> {
    return this.args[0].publish(message);
  }
}

/** What `@Ctx()` receives in a batch handler (see {@link batchOf}): the events, their transaction and the bound outbox. */
export class EventBatchContext extends BaseRpcContext<[BatchHandlerContext]> {
  get events(): readonly InboundEvent[] {
    return this.args[0].events;
  }
  get tx(): BatchHandlerContext['tx'] {
    return this.args[0].tx;
  }
  publish(message: OutboxMessage | readonly OutboxMessage[]): Promise<void> {
    return this.args[0].publish(message);
  }
}

const BATCH_SUFFIX = '[]';

/**
 * The pattern of a batch handler: `@EventPattern(batchOf('StepResult'))` receives an array of decoded
 * values (consecutive new events of that type from one partition, in order) and an
 * {@link EventBatchContext}, and applies them in one transaction with their inbox rows.
 */
export function batchOf(eventType: string): string {
  return `${eventType}${BATCH_SUFFIX}`;
}

export type KafkaEventTransportOptions = Omit<InboxConsumerOptions, 'handlers' | 'batchHandlers'>;

/**
 * A NestJS transport over the inbox consumer: `@EventPattern('<EventType>')` handlers receive the
 * decoded event value as payload and an {@link EventContext}; whatever they change through
 * `ctx.tx` and `ctx.publish` commits atomically with the inbox row.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  private consumer: InboxConsumer | null = null;

  constructor(private readonly options: KafkaEventTransportOptions) {
    super();
  }

  /**
   * Starts consuming in the background and reports ready at once: a broker that is down delays
   * consumption (the consumer keeps retrying, /health says kafka is down), it does not stop the boot.
   */
  listen(callback: (error?: unknown) => void): void {
    const handlers = new Map<string, EventHandler>();
    const batchHandlers = new Map<string, BatchEventHandler>();
    for (const [pattern, handler] of this.messageHandlers) {
      if (pattern.endsWith(BATCH_SUFFIX)) batchHandlers.set(pattern.slice(0, -BATCH_SUFFIX.length), this.adaptBatch(handler));
      else handlers.set(pattern, this.adapt(handler));
    }
    this.consumer = new InboxConsumer({ ...this.options, handlers, batchHandlers });
    this.consumer.startInBackground();
    callback();
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.stop();
  }

  on(): void {
    // kafkajs reports its own status through the logger; no transport events to subscribe to.
  }

  unwrap<T>(): T {
    if (!this.consumer) throw new Error('KafkaEventTransport is not listening yet');
    return this.consumer as T;
  }

  private adapt(handler: MessageHandler): EventHandler {
    return async (event, ctx) => {
      const result: unknown = await handler(event.value, new EventContext([ctx]));
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    };
  }

  private adaptBatch(handler: MessageHandler): BatchEventHandler {
    return async (events, ctx) => {
      const result: unknown = await handler(
        events.map((e) => e.value),
        new EventBatchContext([ctx]),
      );
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
    };
  }
}
