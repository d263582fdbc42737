import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { DetectStepHandler } from './detect-step.handler';
import { DetectWorker } from './detect.worker';

/** The `detect` stage: handler records the step, worker verifies source and runtime against the target version. */
@Module({ imports: [InventoryModule], controllers: [DetectStepHandler], providers: [DetectWorker] })
export class DetectModule {}
