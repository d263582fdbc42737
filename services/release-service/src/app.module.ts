import { Module } from '@nestjs/common';
import { GrayReleaseModule } from './gray-release/gray-release.module';
import { RuntimeModule } from './runtime/runtime.module';

/**
 * Root feature module of release-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features: the production runtime (drivers + registry) and gray release.
 */
@Module({ imports: [RuntimeModule, GrayReleaseModule] })
export class AppModule {}
