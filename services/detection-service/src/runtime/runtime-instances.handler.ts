import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES, type RuntimeInstanceEvent } from '@shipshape/contracts';
import { EventContext } from '@shipshape/messaging';
import { LOGGER } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { InventoryStore } from '../inventory/inventory.store';
import type { InventoryEntry } from '../inventory/inventory.types';
import { ecosystemOfReported } from './endpoint-reader';

/**
 * Keeps the view of what runs where from release-service's RuntimeInstanceEvents: upserts the
 * instance (a STOPPED one leaves the fleet view, its RUNTIME inventory is cleared), and stores the
 * component versions the event reports as the instance's RUNTIME inventory.
 */
@Controller()
export class RuntimeInstancesHandler {
  constructor(
    private readonly store: InventoryStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(EVENT_TYPES.runtimeInstanceEvent)
  async onInstance(@Payload() e: RuntimeInstanceEvent, @Ctx() ctx: EventContext): Promise<void> {
    const [older] = (await ctx.tx.query('SELECT updated_at FROM runtime_instance WHERE application = $1 AND instance = $2 AND updated_at > to_timestamp($3 / 1000.0)', [e.application, e.instance, e.occurredAt])) as unknown[];
    if (older) return; // an older event arriving late does not roll the view back
    await ctx.tx.query(
      `INSERT INTO runtime_instance (application, instance, address, version, commit, state, environment, components, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9 / 1000.0))
       ON CONFLICT (application, instance) DO UPDATE SET address = $3, version = $4, commit = $5, state = $6, environment = $7, components = $8, updated_at = to_timestamp($9 / 1000.0)`,
      [e.application, e.instance, e.address, e.version, e.commit, e.state, e.environment, JSON.stringify(e.components), e.occurredAt],
    );
    const scope = { application: e.application, origin: 'RUNTIME' as const, instance: e.instance, commit: e.commit };
    if (e.state === 'STOPPED') await this.store.replace(ctx.tx, scope, []);
    else if (Object.keys(e.components).length > 0) {
      const entries: InventoryEntry[] = Object.entries(e.components).map(([name, version]) => ({
        ecosystem: ecosystemOfReported(name), name, version, constraint: null, direct: true, kind: 'instance-event', declaredFile: `RuntimeInstanceEvent ${e.eventId}`,
        declaredLine: null, versionFile: null, versionLine: null, via: null, scope: null, module: '', problem: null,
      }));
      await this.store.replace(ctx.tx, scope, entries);
    }
    this.logger.info({ application: e.application, instance: e.instance, state: e.state, version: e.version }, 'runtime instance recorded');
  }
}
