import { Module } from '@nestjs/common';
import { ChangeModule } from './change/change.module';

/**
 * Root feature module of change-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features are imported here.
 */
@Module({ imports: [ChangeModule] })
export class AppModule {}
