import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type ApplicationCatalogEntry } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { LOGGER } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { InventoryStore } from '../inventory/inventory.store';

/**
 * Keeps detection-service's copy of task-manager's application catalog from ApplicationCatalogEntry events
 * (`shipshape.applications`, compacted, key: application name), so the rescans cover every catalog application,
 * also ones no run has touched. An entry older than the one held is ignored; a newer one clears the last scan error
 * (the catch-up scan tries it again). A deleted application's inventory is removed (a REMOVED InventoryChange and a
 * tombstone for each component it had) in the same transaction.
 */
@Controller()
export class ApplicationCatalogHandler {
  constructor(
    private readonly store: InventoryStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EVENT_TYPES.applicationCatalogEntry)
  async onEntry(@Payload() e: ApplicationCatalogEntry, @Ctx() ctx: EventContext): Promise<void> {
    const [held] = (await ctx.tx.query('SELECT occurred_at > to_timestamp($2 / 1000.0) AS newer FROM catalog_application WHERE name = $1 FOR UPDATE', [e.name, e.occurredAt])) as { newer: boolean }[];
    if (held?.newer) return; // a late, older entry does not roll the catalog back
    await ctx.tx.query(
      `INSERT INTO catalog_application (name, team, service, repository_url, default_branch, build_tool, labels, deleted, occurred_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9 / 1000.0), now())
       ON CONFLICT (name) DO UPDATE SET team = $2, service = $3, repository_url = $4, default_branch = $5, build_tool = $6, labels = $7, deleted = $8,
         occurred_at = to_timestamp($9 / 1000.0), updated_at = now(), scan_error = NULL`,
      [e.name, e.team, e.service, e.repositoryUrl, e.defaultBranch, e.buildTool, JSON.stringify(e.labels), e.deleted, e.occurredAt],
    );
    const removed = e.deleted ? await this.store.removeApplication(ctx.tx, e.name) : 0;
    this.logger.info({ application: e.name, deleted: e.deleted, removed }, 'catalog entry recorded');
  }
}
