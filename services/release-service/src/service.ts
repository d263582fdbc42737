import { stepCommandsTopic, TOPICS } from '@shipshape/contracts';
import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { releaseConfigSchema, type ReleaseConfig } from './config/release.config';
import { RuntimeAndReleases1796100000000 } from './migrations/1796100000000-runtime-and-releases';
import { AbortedReleasesAndInstanceRestarts1796200000000 } from './migrations/1796200000000-aborted-releases-and-instance-restarts';
import { InstanceRestartBackoff1796300000000 } from './migrations/1796300000000-instance-restart-backoff';

/** How release-service boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const RELEASE_SERVICE_SERVICE = {
  service: 'release-service',
  module: AppModule,
  migrations: [RuntimeAndReleases1796100000000, AbortedReleasesAndInstanceRestarts1796200000000, InstanceRestartBackoff1796300000000],
  configSchema: releaseConfigSchema,
  // step commands of the release stage; run events, to abort the releases of an aborted run
  messaging: { consumes: [stepCommandsTopic('release-service'), TOPICS.runEvents] },
} as const satisfies ServiceOptions<ReleaseConfig>;
