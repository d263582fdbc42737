import { Module } from '@nestjs/common';
import { ChangeStepController } from './change-step.controller';
import { ChangeStepWorker } from './change-step.worker';

/** The change-service stages served over Kafka: change, review, merge, branch-release. */
@Module({ controllers: [ChangeStepController], providers: [ChangeStepWorker] })
export class ChangeModule {}
