import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import { InboxConsumer, type EventHandler, type HandlerContext, type InboxConsumerOptions, type InboundEvent } from '../inbox/inbox.consumer';
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

export type KafkaEventTransportOptions = Omit<InboxConsumerOptions, 'handlers'>;

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
    for (const [pattern, handler] of this.messageHandlers) handlers.set(pattern, this.adapt(handler));
    this.consumer = new InboxConsumer({ ...this.options, handlers });
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
}
