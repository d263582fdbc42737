import { Module } from '@nestjs/common';

/**
 * Root feature module of test-env-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features are imported here as they are built.
 */
@Module({})
export class AppModule {}
