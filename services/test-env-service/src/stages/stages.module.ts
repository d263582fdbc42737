import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { OutboxWriter } from '@shipshape/messaging';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import type { TestEnvConfig } from '../config/test-env.config';
import { EnvironmentManager } from '../environments/environment.manager';
import { EnvironmentsModule } from '../environments/environments.module';
import { StepCommandsController } from './step-commands.controller';
import { StepExecutor } from './step.executor';
import { StepStore } from './step.store';
import { StepWorker } from './step.worker';

class WorkerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(StepWorker) private readonly worker: StepWorker) {}

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }
}

@Module({
  imports: [EnvironmentsModule],
  controllers: [StepCommandsController],
  providers: [
    {
      provide: StepWorker,
      useFactory: (config: TestEnvConfig, ds: DataSource, manager: EnvironmentManager, outbox: OutboxWriter, logger: Logger) =>
        new StepWorker(
          ds,
          new StepStore(ds),
          new StepExecutor(manager, { publicUrl: config.TEST_ENV_PUBLIC_URL ?? null }),
          outbox,
          { concurrency: config.TEST_ENV_WORKERS, resultsTopic: config.TEST_ENV_RESULTS_TOPIC, pollMs: 250, leaseMs: 60_000, requeueDelayMs: 1000 },
          logger,
        ),
      inject: [SERVICE_CONFIG, DataSource, EnvironmentManager, OutboxWriter, LOGGER],
    },
    WorkerLifecycle,
  ],
})
export class StagesModule {}
