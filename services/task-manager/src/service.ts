import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TOPICS } from '@shipshape/contracts';
import type { ServiceMessagingOptions, ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { taskManagerConfigSchema, type TaskManagerConfig } from './config/task-manager.config';
import { Initial1795981500000 } from './migrations/1795981500000-initial';
import { Orchestration1796000000000 } from './migrations/1796000000000-orchestration';
import { Notices1796000100000 } from './migrations/1796000100000-notices';
import { TeamWebhooks1796000200000 } from './migrations/1796000200000-team-webhooks';
import { StageHooks1796000400000 } from './migrations/1796000400000-stage-hooks';

/** YAML/JSON fleet files arrive as text; OpenAPI is served at /api/docs (JSON at /api/docs-json). */
function configure(app: INestApplication): void {
  (app as NestExpressApplication).useBodyParser('text', { type: ['text/*', 'application/yaml', 'application/x-yaml'], limit: '10mb' });
  (app as NestExpressApplication).useBodyParser('json', { limit: '10mb' });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Shipshape task-manager')
      .setDescription('Application catalog, upgrade tasks, runs and their controls. Bad input is a 400 naming each field; unknown ids a 404; illegal controls a 409 with the reason.')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}

/** The results topic and consumer group from the environment (STEP_RESULTS_TOPIC, CONSUMER_GROUP_ID), else the catalog's. */
export function messagingFor(env: NodeJS.ProcessEnv): ServiceMessagingOptions {
  const topic = env.STEP_RESULTS_TOPIC?.trim() || TOPICS.stepResults;
  const groupId = env.CONSUMER_GROUP_ID?.trim();
  return { consumes: [topic], consumer: CONSUMER_TUNING, ...(groupId ? { groupId } : {}) };
}

/** Results of different runs apply in parallel per partition; each partition's batch commits in one transaction. */
export const CONSUMER_TUNING = { partitionsConsumedConcurrently: 6, transactionBatchSize: 100 } as const;

/** How task-manager boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const TASK_MANAGER_SERVICE = {
  service: 'task-manager',
  module: AppModule,
  migrations: [Initial1795981500000, Orchestration1796000000000, Notices1796000100000, TeamWebhooks1796000200000, StageHooks1796000400000],
  configSchema: taskManagerConfigSchema,
  configure,
  messaging: { consumes: [TOPICS.stepResults], consumer: CONSUMER_TUNING },
} as const satisfies ServiceOptions<TaskManagerConfig>;
