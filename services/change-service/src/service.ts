import { stepCommandsTopic } from '@shipshape/contracts';
import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { changeConfigSchema, type ChangeConfig } from './config';
import { ChangeSteps1796100000000 } from './migrations/1796100000000-change-steps';
import { MergeRequests1796100000001 } from './migrations/1796100000001-merge-requests';

/** How change-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const CHANGE_SERVICE_SERVICE = {
  service: 'change-service',
  module: AppModule,
  migrations: [ChangeSteps1796100000000, MergeRequests1796100000001],
  configSchema: changeConfigSchema,
  messaging: { consumes: [stepCommandsTopic('change-service')] },
} as const satisfies ServiceOptions<ChangeConfig>;
