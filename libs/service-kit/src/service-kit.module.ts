import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { AvroCodec } from '@shipshape/contracts';
import { OutboxWriter } from '@shipshape/messaging';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { OutboxRelayRunner } from './messaging/outbox-relay.runner';
import { MetricsController } from './metrics/metrics.controller';
import type { KitRuntime, ServiceContext } from './service-context';
import { DATA_SOURCE, KAFKA, KIT_RUNTIME, LOGGER, SERVICE_CONFIG, SERVICE_CONTEXT, TELEMETRY } from './tokens';

/**
 * Closes what the kit opened, after Nest has closed HTTP and any connected microservice: the outbox
 * relay, Kafka (the health admin), then the DataSource, then telemetry (flushes the last spans and metrics).
 * Providers that use the DataSource or Kafka must stop in onModuleDestroy/beforeApplicationShutdown.
 */
@Injectable()
export class ServiceShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly context: ServiceContext,
    @Inject(KIT_RUNTIME) private readonly runtime: KitRuntime,
    private readonly health: HealthService,
    private readonly relay: OutboxRelayRunner,
  ) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    const { logger, dataSource, telemetry } = this.context;
    logger.info({ signal }, 'service stopping');
    await this.relay.stop();
    await this.health.close();
    if (dataSource.isInitialized) await dataSource.destroy();
    logger.info({ signal }, 'service stopped');
    if (this.runtime.ownsTelemetry) await telemetry.shutdown();
  }
}

@Module({})
export class ServiceKitModule {
  /**
   * Global: every module of the service can inject DATA_SOURCE / DataSource, KAFKA / Kafka, LOGGER,
   * SERVICE_CONFIG, TELEMETRY, AvroCodec and OutboxWriter (write events in the caller's transaction).
   */
  static forRoot(context: ServiceContext, runtime: KitRuntime): DynamicModule {
    return {
      module: ServiceKitModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONTEXT, useValue: context },
        { provide: KIT_RUNTIME, useValue: runtime },
        { provide: SERVICE_CONFIG, useValue: context.config },
        { provide: DATA_SOURCE, useValue: context.dataSource },
        { provide: DataSource, useExisting: DATA_SOURCE },
        { provide: KAFKA, useValue: context.kafka },
        { provide: Kafka, useExisting: KAFKA },
        { provide: LOGGER, useValue: context.logger },
        { provide: TELEMETRY, useValue: context.telemetry },
        { provide: AvroCodec, useValue: AvroCodec.fromContracts() },
        { provide: OutboxWriter, useFactory: (codec: AvroCodec) => new OutboxWriter(codec), inject: [AvroCodec] },
        HealthService,
        OutboxRelayRunner,
        ServiceShutdown,
      ],
      exports: [SERVICE_CONTEXT, SERVICE_CONFIG, DATA_SOURCE, DataSource, KAFKA, Kafka, LOGGER, TELEMETRY, HealthService, AvroCodec, OutboxWriter],
    };
  }
}
