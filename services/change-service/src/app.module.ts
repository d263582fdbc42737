import { Module } from '@nestjs/common';
import { ChangeModule } from './change/change.module';
import { MergeRequestsModule } from './merge-requests/merge-requests.module';

/**
 * Root feature module of change-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features are imported here.
 */
@Module({ imports: [ChangeModule, MergeRequestsModule] })
export class AppModule {}
