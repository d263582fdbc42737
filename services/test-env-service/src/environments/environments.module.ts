import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import { phaseTimeoutsMs, type TestEnvConfig } from '../config/test-env.config';
import { EnvironmentManager } from './environment.manager';
import { EnvironmentReaper } from './environment.reaper';
import { EnvironmentStore } from './environment.store';
import { EnvironmentsController } from './environments.controller';
import { LocalDriver } from './local.driver';
import { currentOwner } from './process-group';

/** Starts the reaper at boot (so a crash of an earlier process is cleaned up) and stops it at shutdown. */
class ReaperLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(EnvironmentReaper) private readonly reaper: EnvironmentReaper,
    @Inject(SERVICE_CONFIG) private readonly config: TestEnvConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.reaper.start(this.config.TEST_ENV_REAPER_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.reaper.stop();
  }
}

@Module({
  controllers: [EnvironmentsController],
  providers: [
    { provide: EnvironmentStore, useFactory: (ds: DataSource) => new EnvironmentStore(ds), inject: [DataSource] },
    {
      provide: LocalDriver,
      useFactory: (config: TestEnvConfig, store: EnvironmentStore) =>
        new LocalDriver({ mavenArgs: config.TEST_ENV_MAVEN_ARGS, timeoutsMs: phaseTimeoutsMs(config), tailBytes: config.TEST_ENV_LOG_TAIL_BYTES, registry: store }),
      inject: [SERVICE_CONFIG, EnvironmentStore],
    },
    {
      provide: EnvironmentManager,
      useFactory: (config: TestEnvConfig, store: EnvironmentStore, driver: LocalDriver) =>
        new EnvironmentManager(store, driver, {
          root: config.TEST_ENV_ROOT,
          maxConcurrent: config.TEST_ENV_MAX_CONCURRENT,
          ttlSeconds: config.TEST_ENV_TTL_SECONDS,
          owner: currentOwner(),
        }),
      inject: [SERVICE_CONFIG, EnvironmentStore, LocalDriver],
    },
    {
      provide: EnvironmentReaper,
      useFactory: (store: EnvironmentStore, driver: LocalDriver, logger: Logger) => new EnvironmentReaper(store, driver, logger),
      inject: [EnvironmentStore, LocalDriver, LOGGER],
    },
    ReaperLifecycle,
  ],
  exports: [EnvironmentStore, EnvironmentManager, LocalDriver],
})
export class EnvironmentsModule {}
