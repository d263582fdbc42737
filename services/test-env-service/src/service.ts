import { stepCommandsTopic, TOPICS } from '@shipshape/contracts';
import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { testEnvConfigSchema, type TestEnvConfig } from './config/test-env.config';
import { Initial1795981500000 } from './migrations/1795981500000-initial';
import { Environments1796000000000 } from './migrations/1796000000000-environments';

/** How test-env-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const TEST_ENV_SERVICE_SERVICE = {
  service: 'test-env-service',
  module: AppModule,
  migrations: [Initial1795981500000, Environments1796000000000],
  configSchema: testEnvConfigSchema,
  messaging: { consumes: [stepCommandsTopic('test-env-service'), TOPICS.runEvents] },
} as const satisfies ServiceOptions<TestEnvConfig>;
