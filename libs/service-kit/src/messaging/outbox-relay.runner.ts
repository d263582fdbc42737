import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { OutboxRelay } from '@shipshape/messaging';
import type { ServiceContext } from '../service-context';
import { SERVICE_CONTEXT } from '../tokens';

/**
 * Runs the service's outbox relay for the life of the app. It starts once the app is bootstrapped and
 * is stopped by ServiceShutdown after HTTP and the consumer transport closed, so events written by
 * the last handlers still get published (or stay in the outbox for the next start).
 */
@Injectable()
export class OutboxRelayRunner implements OnApplicationBootstrap {
  private readonly relay: OutboxRelay;

  constructor(@Inject(SERVICE_CONTEXT) context: ServiceContext) {
    this.relay = new OutboxRelay({
      database: { connectionString: context.database.url, application_name: `${context.service}:outbox-relay` },
      kafka: context.kafka,
      logger: context.logger.child({ component: 'outbox-relay' }),
    });
  }

  get isLeader(): boolean {
    return this.relay.isLeader;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay.stop();
  }
}
