import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TYPES } from '@shipshape/contracts';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import type { DetectionConfig } from '../config/detection.config';
import { OutboxWriter, type SqlExecutor } from '@shipshape/messaging';
import { diffInventory } from './inventory-diff';
import type { InventoryEntry, InventoryScope } from './inventory.types';

interface ComponentRow {
  ecosystem: string;
  name: string;
  version: string | null;
  version_constraint: string | null;
  direct: boolean;
  kind: string;
  declared_file: string | null;
  declared_line: number | null;
  version_file: string | null;
  version_line: number | null;
  via: string | null;
  scope: string | null;
  module: string;
  problem: InventoryEntry['problem'];
}

export const rowToEntry = (r: ComponentRow): InventoryEntry => ({
  ecosystem: r.ecosystem,
  name: r.name,
  version: r.version,
  constraint: r.version_constraint,
  direct: r.direct,
  kind: r.kind,
  declaredFile: r.declared_file,
  declaredLine: r.declared_line,
  versionFile: r.version_file,
  versionLine: r.version_line,
  via: r.via,
  scope: r.scope,
  module: r.module,
  problem: r.problem,
});

/**
 * Inventory rows in Postgres; a scan replaces one slice (application × origin × instance) and publishes what changed
 * on the compacted inventory topic: OBSERVED, or REMOVED followed by a tombstone of the key.
 */
@Injectable()
export class InventoryStore {
  constructor(
    private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: DetectionConfig,
  ) {}

  async entries(tx: SqlExecutor, scope: Pick<InventoryScope, 'application' | 'origin' | 'instance'>): Promise<InventoryEntry[]> {
    const rows = (await tx.query(
      'SELECT * FROM inventory_component WHERE application = $1 AND origin = $2 AND instance = $3 ORDER BY id',
      [scope.application, scope.origin, scope.instance],
    )) as ComponentRow[];
    return rows.map(rowToEntry);
  }

  /** Replaces a slice inside the caller's transaction; InventoryChanges go to the outbox in the same transaction. */
  async replace(tx: SqlExecutor, scope: InventoryScope, entries: readonly InventoryEntry[]): Promise<number> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 11))', [`${scope.application}/${scope.origin}/${scope.instance}`]);
    const before = await this.entries(tx, scope);
    await tx.query('DELETE FROM inventory_component WHERE application = $1 AND origin = $2 AND instance = $3', [scope.application, scope.origin, scope.instance]);
    if (entries.length > 0) {
      const col = <K extends keyof InventoryEntry>(k: K) => entries.map((e) => e[k]);
      await tx.query(
        `INSERT INTO inventory_component (application, origin, instance, commit, ecosystem, name, version, version_constraint, direct, kind,
                                          declared_file, declared_line, version_file, version_line, via, scope, module, problem)
         SELECT $1, $2, $3, $4, * FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[], $10::text[],
                                              $11::text[], $12::int[], $13::text[], $14::int[], $15::text[], $16::text[], $17::text[], $18::jsonb[])`,
        [
          scope.application, scope.origin, scope.instance, scope.commit,
          col('ecosystem'), col('name'), col('version'), col('constraint'), col('direct'), col('kind'),
          col('declaredFile'), col('declaredLine'), col('versionFile'), col('versionLine'), col('via'), col('scope'), col('module'),
          entries.map((e) => (e.problem ? JSON.stringify(e.problem) : null)),
        ],
      );
    }
    const changes = diffInventory(scope, before, entries);
    // A component gone: its REMOVED change, then a tombstone so compaction drops the key from the topic. Only this
    // method writes a slice's keys, so one ordering lock per slice keeps them in commit order (an npm lockfile has
    // thousands of components: one lock per key would crowd Postgres' lock table).
    await this.outbox.addMany(
      tx,
      changes.flatMap((c) => {
        const message = { topic: this.config.DETECTION_INVENTORY_TOPIC, key: c.key, eventType: EVENT_TYPES.inventoryChange, value: c.value };
        return c.value.kind === 'REMOVED' ? [message, { ...message, value: null, tombstone: true }] : [message];
      }),
      { orderingLock: `inventory:${scope.application}/${scope.origin}/${scope.instance}` },
    );
    return changes.length;
  }

  /**
   * Removes everything the inventory holds on an application (its SOURCE slice, every instance's RUNTIME slice,
   * the scan record and the instances), publishing a REMOVED change for each component, inside the caller's transaction.
   */
  async removeApplication(tx: SqlExecutor, application: string): Promise<number> {
    const slices = (await tx.query(
      'SELECT origin, instance, max(commit) AS commit FROM inventory_component WHERE application = $1 GROUP BY origin, instance ORDER BY origin, instance',
      [application],
    )) as { origin: InventoryScope['origin']; instance: string; commit: string | null }[];
    let changes = 0;
    for (const s of slices) changes += await this.replace(tx, { application, origin: s.origin, instance: s.instance, commit: s.commit }, []);
    await tx.query('DELETE FROM inventory_application WHERE application = $1', [application]);
    await tx.query('DELETE FROM runtime_instance WHERE application = $1', [application]);
    return changes;
  }
}
