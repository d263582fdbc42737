import { Module } from '@nestjs/common';

/**
 * Root feature module of task-manager. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features are imported here as they are built.
 */
@Module({})
export class AppModule {}
