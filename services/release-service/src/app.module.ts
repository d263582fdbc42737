import { Module } from '@nestjs/common';
import { RuntimeModule } from './runtime/runtime.module';

/**
 * Root feature module of release-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features: the production runtime (drivers + registry).
 */
@Module({ imports: [RuntimeModule] })
export class AppModule {}
