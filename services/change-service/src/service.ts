import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { Initial1795981500000 } from './migrations/1795981500000-initial';

/** How change-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const CHANGE_SERVICE_SERVICE = {
  service: 'change-service',
  module: AppModule,
  migrations: [Initial1795981500000],
} as const satisfies ServiceOptions;
