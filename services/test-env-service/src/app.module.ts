import { Module } from '@nestjs/common';
import { EnvironmentsModule } from './environments/environments.module';
import { StagesModule } from './stages/stages.module';

/**
 * Root feature module of test-env-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features are imported here, one folder each.
 */
@Module({ imports: [EnvironmentsModule, StagesModule] })
export class AppModule {}
