import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { ApplicationCatalogHandler } from './application-catalog.handler';

/** detection-service's copy of task-manager's application catalog (ApplicationCatalogEntry events); the rescans read it. */
@Module({ imports: [InventoryModule], controllers: [ApplicationCatalogHandler] })
export class CatalogModule {}
