import { Module } from '@nestjs/common';
import { RuntimeModule } from '../runtime/runtime.module';
import { ReleaseStepHandler } from './release-step.handler';
import { ReleaseController } from './release.controller';
import { ReleaseExecutor } from './release.executor';
import { ReleaseStore } from './release.store';
import { ReleaseWorker } from './release.worker';

/** Gray release: the release stage (Kafka), its worker and executor, and the manual controls (REST). */
@Module({
  imports: [RuntimeModule],
  controllers: [ReleaseController, ReleaseStepHandler],
  providers: [ReleaseStore, ReleaseExecutor, ReleaseWorker],
})
export class GrayReleaseModule {}
