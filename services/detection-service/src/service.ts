import { TOPICS, stepCommandsTopic } from '@shipshape/contracts';
import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { detectionConfigSchema, type DetectionConfig } from './config/detection.config';
import { Inventory1796200000000 } from './migrations/1796200000000-inventory';
import { ApplicationCatalog1796300000000 } from './migrations/1796300000000-application-catalog';

/** How detection-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const DETECTION_SERVICE_SERVICE = {
  service: 'detection-service',
  module: AppModule,
  migrations: [Inventory1796200000000, ApplicationCatalog1796300000000],
  configSchema: detectionConfigSchema,
  messaging: { consumes: [stepCommandsTopic('detection-service'), TOPICS.runtimeInstances, TOPICS.applications] },
} as const satisfies ServiceOptions<DetectionConfig>;
