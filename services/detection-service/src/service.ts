import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TOPICS, stepCommandsTopic } from '@shipshape/contracts';
import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { detectionConfigSchema, type DetectionConfig } from './config/detection.config';
import { Inventory1796200000000 } from './migrations/1796200000000-inventory';
import { ApplicationCatalog1796300000000 } from './migrations/1796300000000-application-catalog';
import { CatalogScanError1796300000001 } from './migrations/1796300000001-catalog-scan-error';

/** OpenAPI of the inventory REST API at /api/docs (JSON at /api/docs-json). */
function configure(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Shipshape detection-service')
      .setDescription('Dependency inventory from source and runtime for dashboards and task selection, and on-demand scans. Bad input is a 400 with fieldErrors naming each field.')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}

/** How detection-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const DETECTION_SERVICE_SERVICE = {
  service: 'detection-service',
  module: AppModule,
  migrations: [Inventory1796200000000, ApplicationCatalog1796300000000, CatalogScanError1796300000001],
  configSchema: detectionConfigSchema,
  configure,
  messaging: { consumes: [stepCommandsTopic('detection-service'), TOPICS.runtimeInstances, TOPICS.applications] },
} as const satisfies ServiceOptions<DetectionConfig>;
