import { Module } from '@nestjs/common';
import { InventoryModule } from './inventory/inventory.module';

/**
 * Root feature module of detection-service. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client and the logger (global); features: the inventory (source scans).
 */
@Module({ imports: [InventoryModule] })
export class AppModule {}
