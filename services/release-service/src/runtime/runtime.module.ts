import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import type { ReleaseConfig } from '../config/release.config';
import { LocalRuntimeDriver } from './local.driver';
import { RUNTIME_DRIVER } from './runtime-driver';
import { RuntimeController } from './runtime.controller';
import { RuntimeRegistry } from './runtime.registry';

/** Production runtime: the driver (local by default) and the registry of instances. */
@Module({
  controllers: [RuntimeController],
  providers: [
    {
      provide: RUNTIME_DRIVER,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ReleaseConfig) =>
        new LocalRuntimeDriver({ workDir: config.RELEASE_WORK_DIR, buildTimeoutMs: config.RELEASE_BUILD_TIMEOUT_MS, startTimeoutMs: config.RELEASE_START_TIMEOUT_MS }),
    },
    RuntimeRegistry,
  ],
  exports: [RUNTIME_DRIVER, RuntimeRegistry],
})
export class RuntimeModule {}
