import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import type { DetectionConfig } from '../config/detection.config';
import { GitSource } from '../source/git-source';
import { SourceScanService } from '../source/source-scan.service';
import { RuntimeScanService } from '../runtime/runtime-scan.service';
import { RuntimeInstancesHandler } from '../runtime/runtime-instances.handler';
import { InventoryController } from './inventory.controller';
import { InventoryQueries } from './inventory.queries';
import { InventoryStore } from './inventory.store';
import { RescanService } from './rescan.service';

/** The inventory: source scans (git + @shipshape/manifests), runtime reads (endpoint, jar, node_modules) and the store that publishes changes. */
@Module({
  controllers: [InventoryController, RuntimeInstancesHandler],
  providers: [
    InventoryQueries,
    { provide: GitSource, inject: [SERVICE_CONFIG], useFactory: (config: DetectionConfig) => new GitSource(config.DETECTION_WORK_DIR) },
    InventoryStore,
    SourceScanService,
    RuntimeScanService,
    RescanService,
  ],
  exports: [GitSource, InventoryStore, InventoryQueries, SourceScanService, RuntimeScanService],
})
export class InventoryModule {}
