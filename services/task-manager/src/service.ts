import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { TOPICS } from '@shipshape/contracts';
import type { ServiceOptions } from '@shipshape/service-kit';
import { AppModule } from './app.module';
import { taskManagerConfigSchema, type TaskManagerConfig } from './config/task-manager.config';
import { Initial1795981500000 } from './migrations/1795981500000-initial';
import { Orchestration1796000000000 } from './migrations/1796000000000-orchestration';

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

/** How task-manager boots: main.ts runs it; the services integration test boots the same definition in-process. */
export const TASK_MANAGER_SERVICE = {
  service: 'task-manager',
  module: AppModule,
  migrations: [Initial1795981500000, Orchestration1796000000000],
  configSchema: taskManagerConfigSchema,
  configure,
  messaging: { consumes: [TOPICS.stepResults] },
} as const satisfies ServiceOptions<TaskManagerConfig>;
