import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { Initial1795981500000 } from './migrations/1795981500000-initial';

/** How release-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const RELEASE_SERVICE_SERVICE = {
  service: 'release-service',
  module: AppModule,
  migrations: [Initial1795981500000],
} as const satisfies ServiceOptions;
