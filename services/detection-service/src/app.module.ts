import { Module } from '@nestjs/common';
import { CatalogModule } from './catalog/catalog.module';
import { DetectModule } from './detect/detect.module';
import { InventoryModule } from './inventory/inventory.module';

/**
 * Root feature module of detection-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features: the inventory (source and runtime scans, REST, instance events), the copy of
 * task-manager's application catalog the rescans cover, and the detect stage.
 */
@Module({ imports: [InventoryModule, CatalogModule, DetectModule] })
export class AppModule {}
