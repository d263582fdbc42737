import { Module } from '@nestjs/common';
import { WebhooksController } from './notifications/webhooks.controller';
import { WebhooksService } from './notifications/webhooks.service';
import { CatalogController } from './catalog/catalog.controller';
import { CatalogService } from './catalog/catalog.service';
import { OrchestratorWorker } from './orchestration/orchestrator.worker';
import { RunEngine } from './orchestration/run-engine';
import { StepDispatcher } from './orchestration/step-dispatcher';
import { StepResultsController } from './orchestration/step-results.controller';
import { RunsController } from './runs/runs.controller';
import { RunsService } from './runs/runs.service';
import { StatsController } from './stats/stats.controller';
import { StatsService } from './stats/stats.service';
import { TasksController } from './tasks/tasks.controller';
import { DetectionClient } from './tasks/detection.client';
import { HooksWorker } from './hooks/hooks.worker';
import { TasksService } from './tasks/tasks.service';

/**
 * Root feature module of task-manager. service-kit adds /health, /metrics, the DataSource, the Kafka
 * client, the logger and the outbox writer (global).
 */
@Module({
  controllers: [CatalogController, TasksController, RunsController, StatsController, WebhooksController, StepResultsController],
  providers: [DetectionClient, WebhooksService, StatsService, CatalogService, TasksService, RunsService, RunEngine, StepDispatcher, OrchestratorWorker, HooksWorker],
})
export class AppModule {}
