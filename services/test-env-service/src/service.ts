import { stepCommandsTopic, TOPICS } from '@shipshape/contracts';
import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { testEnvConfigSchema, type TestEnvConfig } from './config/test-env.config';
import { Environments1796000000000 } from './migrations/1796000000000-environments';

/** How test-env-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const TEST_ENV_SERVICE_SERVICE = {
  service: 'test-env-service',
  module: AppModule,
  migrations: [Environments1796000000000],
  configSchema: testEnvConfigSchema,
  messaging: { consumes: [stepCommandsTopic('test-env-service'), TOPICS.runEvents] },
} as const satisfies ServiceOptions<TestEnvConfig>;
