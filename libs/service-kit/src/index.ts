export {
  bootstrapService,
  createServiceApp,
  startServiceApp,
  type ServiceOptions,
  type ServiceMessagingOptions,
  type CreateServiceAppOptions,
  type StartServiceAppOptions,
  type ServiceApp,
  type RunningServiceApp,
} from './bootstrap';
export { baseConfigSchema, loadConfig, requiredConfigKeys, type BaseConfig, type BaseConfigSchema, type ConfigSchema } from './config/base-config.schema';
export { createServiceDataSource, runMigrationsExclusively, MIGRATIONS_TABLE, type MigrationClass, type EntityClass, type ServiceDataSourceOptions } from './database/data-source';
export { databaseUrlFor, serviceDatabase, redactUrl, type ServiceDatabase } from './database/database-url';
export { ensureDatabase } from './database/ensure-database';
export { createServiceKafka, type ServiceKafkaOptions } from './kafka/kafka-client';
export { HealthService, HEALTH_CHECK_TIMEOUT_MS, type CheckResult, type CheckStatus, type ReadinessReport } from './health/health.service';
export { withTimeout } from './health/with-timeout';
export { ServiceKitModule, ServiceShutdown } from './service-kit.module';
export { PinoNestLogger } from './logging/pino-nest.logger';
export { httpMetricsMiddleware } from './metrics/http-metrics.middleware';
export { DATA_SOURCE, KAFKA, LOGGER, SERVICE_CONFIG, SERVICE_CONTEXT, TELEMETRY } from './tokens';
export { ServiceKitError, ConfigError } from './errors';
export type { ServiceContext } from './service-context';
export { OutboxRelayRunner } from './messaging/outbox-relay.runner';
export { serviceInfoMigration, assertDatabaseOwner, WrongDatabaseError } from './database/service-info';
