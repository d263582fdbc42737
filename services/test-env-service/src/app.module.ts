import { Module } from '@nestjs/common';
import { EnvironmentsModule } from './environments/environments.module';

/**
 * Root feature module of test-env-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features are imported here, one folder each.
 */
@Module({ imports: [EnvironmentsModule] })
export class AppModule {}
