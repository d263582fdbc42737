import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AvroCodec, serviceByName, type ServiceName } from '@shipshape/contracts';
import { KafkaEventTransport, MESSAGING_MIGRATIONS, type InboxConsumerOptions } from '@shipshape/messaging';
import { createLogger, getTelemetry, startTelemetry, type Logger, type Telemetry } from '@shipshape/telemetry';
import type { DataSource } from 'typeorm';
import { baseConfigSchema, loadConfig, type BaseConfig, type ConfigSchema } from './config/base-config.schema';
import { createServiceDataSource, runMigrationsExclusively, type EntityClass, type MigrationClass } from './database/data-source';
import { redactUrl, serviceDatabase } from './database/database-url';
import { ensureDatabase } from './database/ensure-database';
import { assertDatabaseOwner, serviceInfoMigration } from './database/service-info';
import { ConfigError } from './errors';
import { createServiceKafka } from './kafka/kafka-client';
import { PinoNestLogger } from './logging/pino-nest.logger';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware';
import type { ServiceContext } from './service-context';
import { ServiceKitModule } from './service-kit.module';

export interface ServiceOptions<TConfig extends BaseConfig = BaseConfig> {
  readonly service: ServiceName;
  /** The service's root feature module. */
  readonly module: Type<unknown> | DynamicModule;
  /** The service's own migrations, applied in timestamp order at boot after the kit's (outbox, inbox, service_info). */
  readonly migrations: readonly MigrationClass[];
  readonly entities?: readonly EntityClass[];
  /** Defaults to baseConfigSchema; extend it with `baseConfigSchema.extend({...})`. */
  readonly configSchema?: ConfigSchema<TConfig>;
  /**
   * Runs after the Nest app is created and before it initialises and listens: connect a microservice
   * transport (`app.connectMicroservice({ strategy })`), add middleware, start an outbox relay.
   */
  readonly configure?: (app: INestApplication, context: ServiceContext<TConfig>) => void | Promise<void>;
  /**
   * Kafka consumption: the topics whose events go to the service's `@EventPattern('<EventType>')`
   * handlers (consumer group = service name), with exactly-once effects through the inbox. Omit it and
   * the service consumes nothing; its outbox relay runs either way.
   */
  readonly messaging?: ServiceMessagingOptions;
}

export interface ServiceMessagingOptions {
  readonly consumes: readonly string[];
  /** Consumer group and inbox name; default the service name. Tests give each run its own. */
  readonly groupId?: string;
  readonly consumer?: Pick<InboxConsumerOptions, 'transactionBatchSize' | 'partitionsConsumedConcurrently' | 'retry' | 'sessionTimeoutMs'>;
}

export interface CreateServiceAppOptions<TConfig extends BaseConfig = BaseConfig> extends ServiceOptions<TConfig> {
  /** Defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Listen for SIGTERM/SIGINT and close the app (bootstrapService turns this on). Default false. */
  readonly shutdownHooks?: boolean;
}

export interface ServiceApp<TConfig extends BaseConfig = BaseConfig> {
  /** Initialised (routes, providers, hooks) but not listening yet. */
  readonly app: INestApplication;
  readonly context: ServiceContext<TConfig>;
}

export interface StartServiceAppOptions<TConfig extends BaseConfig = BaseConfig> extends CreateServiceAppOptions<TConfig> {
  /** Defaults to PORT, else the service's port in SERVICES. 0 = any free port. */
  readonly port?: number;
  /** Defaults to all interfaces. */
  readonly host?: string;
}

export interface RunningServiceApp<TConfig extends BaseConfig = BaseConfig> extends ServiceApp<TConfig> {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
}

/** Nest needs a class for the root; one per process is enough, the imports differ per app. */
@Module({})
class ServiceRootModule {}

/**
 * Boots a service in-process without listening: validates config, starts telemetry, creates the
 * service database if missing, runs migrations (under an advisory lock), builds the Kafka client and
 * the Nest app with /health and /metrics. Releases what it opened if any step fails.
 */
export async function createServiceApp<TConfig extends BaseConfig = BaseConfig>(options: CreateServiceAppOptions<TConfig>): Promise<ServiceApp<TConfig>> {
  const { service } = options;
  const schema = options.configSchema ?? (baseConfigSchema as unknown as ConfigSchema<TConfig>);
  const config = loadConfig(service, schema, options.env ?? process.env);

  const running = getTelemetry();
  const telemetry: Telemetry =
    running ?? startTelemetry({ serviceName: service, otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceVersion: config.OTEL_SERVICE_VERSION });
  const ownsTelemetry = running === undefined;
  const logger: Logger = createLogger(service, {}, { level: config.LOG_LEVEL });

  let dataSource: DataSource | undefined;
  try {
    const database = serviceDatabase(service, config);
    const outcome = await ensureDatabase(database.serverUrl, database.name);
    logger.info({ database: database.name, server: redactUrl(database.serverUrl), outcome }, 'service database ready');

    dataSource = createServiceDataSource({
      url: database.url,
      applicationName: service,
      migrations: [...MESSAGING_MIGRATIONS, serviceInfoMigration(service), ...options.migrations],
      entities: options.entities,
      logger: logger.child({ component: 'typeorm' }),
    });
    await dataSource.initialize();
    await assertDatabaseOwner(dataSource, database.name, service, { beforeMigrations: true });
    const applied = await runMigrationsExclusively(dataSource);
    await assertDatabaseOwner(dataSource, database.name, service);
    logger.info({ database: database.name, applied }, 'migrations applied');

    const kafka = createServiceKafka({ clientId: service, brokers: config.KAFKA_BROKERS, logger, logLevel: config.LOG_LEVEL });
    const context: ServiceContext<TConfig> = { service, config, database, dataSource, kafka, logger, telemetry };

    const app = await NestFactory.create(
      { module: ServiceRootModule, imports: [ServiceKitModule.forRoot(context, { ownsTelemetry }), options.module] },
      { logger: new PinoNestLogger(logger), abortOnError: false, forceCloseConnections: true },
    );
    try {
      const express: { disable(setting: string): unknown } = app.getHttpAdapter().getInstance();
      express.disable('x-powered-by');
      app.use(httpMetricsMiddleware(telemetry.meter('@shipshape/service-kit')));
      if (options.shutdownHooks) app.enableShutdownHooks();
      if (options.messaging && options.messaging.consumes.length > 0) {
        const transport = new KafkaEventTransport({
          consumer: options.messaging.groupId ?? service,
          topics: options.messaging.consumes,
          kafka,
          dataSource,
          codec: AvroCodec.fromContracts(),
          logger: logger.child({ component: 'consumer' }),
          ...options.messaging.consumer,
        });
        app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
      }
      await options.configure?.(app, context);
      await app.init();
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
    return { app, context };
  } catch (err) {
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
    if (ownsTelemetry) await telemetry.shutdown();
    throw err;
  }
}

/** createServiceApp, then start connected microservices and listen. Tests use `port: 0`. */
export async function startServiceApp<TConfig extends BaseConfig = BaseConfig>(options: StartServiceAppOptions<TConfig>): Promise<RunningServiceApp<TConfig>> {
  const created = await createServiceApp(options);
  const { app, context } = created;
  try {
    await app.startAllMicroservices();
    const wanted = options.port ?? context.config.PORT ?? serviceByName(context.service).port;
    if (options.host === undefined) await app.listen(wanted);
    else await app.listen(wanted, options.host);
    const port = (app.getHttpServer().address() as AddressInfo).port;
    return { ...created, port, url: `http://127.0.0.1:${port}` };
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
}

/** Hard stop if graceful shutdown hangs (a stuck consumer, an unreachable collector). */
const SHUTDOWN_DEADLINE_MS = 15_000;

/**
 * The whole of a service's main.ts: boot, listen, close in order on SIGTERM/SIGINT. A bad
 * configuration or a failed boot logs one fatal record and exits with status 1.
 */
export async function bootstrapService<TConfig extends BaseConfig = BaseConfig>(options: ServiceOptions<TConfig>): Promise<RunningServiceApp<TConfig>> {
  try {
    const running = await startServiceApp({ ...options, shutdownHooks: true });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref());
    }
    running.context.logger.info(
      { port: running.port, boot_ms: Math.round(performance.now()), rss_bytes: process.memoryUsage.rss() },
      'service listening',
    );
    return running;
  } catch (err) {
    const logger = createLogger(options.service);
    if (err instanceof ConfigError) logger.fatal({ code: err.code, problems: err.problems }, 'invalid configuration');
    else logger.fatal({ err }, 'service failed to start');
    process.exit(1);
  }
}
