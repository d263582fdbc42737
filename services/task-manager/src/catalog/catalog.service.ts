import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TYPES, type ApplicationCatalogEntry } from '@shipshape/contracts';
import { OutboxWriter, type OutboxMessage, type SqlExecutor } from '@shipshape/messaging';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import { DataSource, type EntityManager } from 'typeorm';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { badRequest, fieldErrors, notFound, type FieldError } from '../http/validation';
import { applicationPatchSchema, applicationSchema, type ApplicationPatch, type ApplicationRecord, type ApplicationSpec } from './application.schema';

interface ApplicationRow {
  id: string;
  name: string;
  team: string;
  service: string;
  repository_url: string;
  default_branch: string;
  build_tool: string;
  build_command: string | null;
  test_command: string | null;
  run_command: string | null;
  health_path: string | null;
  production_instances: number | null;
  labels: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

export function toRecord(row: ApplicationRow): ApplicationRecord {
  return {
    id: row.id,
    name: row.name,
    team: row.team,
    service: row.service,
    repositoryUrl: row.repository_url,
    defaultBranch: row.default_branch,
    buildTool: row.build_tool as ApplicationRecord['buildTool'],
    commands: { build: row.build_command, test: row.test_command, run: row.run_command },
    healthPath: row.health_path,
    productionInstances: row.production_instances,
    labels: row.labels,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface ImportOutcome {
  readonly created: number;
  readonly updated: number;
  readonly applications: readonly ApplicationRecord[];
}

const UPSERT = `
  INSERT INTO applications (name, team, service, repository_url, default_branch, build_tool, build_command, test_command, run_command, health_path, production_instances, labels)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
  ON CONFLICT (name) DO UPDATE SET team = EXCLUDED.team, service = EXCLUDED.service, repository_url = EXCLUDED.repository_url,
    default_branch = EXCLUDED.default_branch, build_tool = EXCLUDED.build_tool, build_command = EXCLUDED.build_command,
    test_command = EXCLUDED.test_command, run_command = EXCLUDED.run_command, health_path = EXCLUDED.health_path,
    production_instances = EXCLUDED.production_instances, labels = EXCLUDED.labels, updated_at = now()
  RETURNING *, (xmax = 0) AS inserted`;

function upsertParams(a: ApplicationSpec): unknown[] {
  return [
    a.name, a.team, a.service, a.repositoryUrl, a.defaultBranch, a.buildTool,
    a.commands.build ?? null, a.commands.test ?? null, a.commands.run ?? null,
    a.healthPath ?? null, a.productionInstances ?? null, JSON.stringify(a.labels),
  ];
}

/**
 * Reads a fleet file: YAML or JSON (YAML is a superset), either a list of applications or
 * `{ applications: [...] }`. Every problem names the entry (index and name) and the field.
 */
export function parseFleet(input: unknown): { applications: ApplicationSpec[] } | { errors: FieldError[] } {
  let document = input;
  if (typeof input === 'string') {
    try {
      document = parseYaml(input);
    } catch (err) {
      return { errors: [{ field: '(file)', message: `not YAML or JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` }] };
    }
  }
  const list = Array.isArray(document) ? document : (document as { applications?: unknown } | null)?.applications;
  if (!Array.isArray(list)) return { errors: [{ field: 'applications', message: 'must be a list of applications (or an object with an "applications" list)' }] };
  if (list.length === 0) return { errors: [{ field: 'applications', message: 'must not be empty' }] };
  const errors: FieldError[] = [];
  const applications: ApplicationSpec[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry: unknown, index) => {
    const name = typeof (entry as { name?: unknown })?.name === 'string' ? (entry as { name: string }).name : undefined;
    const prefix = `applications[${index}]${name ? ` (${name})` : ''}`;
    const parsed = applicationSchema.safeParse(entry);
    if (!parsed.success) {
      errors.push(...fieldErrors(parsed.error, prefix));
      return;
    }
    const first = seen.get(parsed.data.name);
    if (first !== undefined) errors.push({ field: `${prefix}.name`, message: `duplicates applications[${first}]` });
    seen.set(parsed.data.name, index);
    applications.push(parsed.data);
  });
  return errors.length > 0 ? { errors } : { applications };
}

/** The catalog entry other services keep their copy of the catalog from (detection-service rescans every application). */
export function catalogEntry(a: ApplicationRecord, deleted = false, occurredAt = Date.now()): ApplicationCatalogEntry {
  return {
    eventId: randomUUID(),
    occurredAt,
    name: a.name,
    team: a.team,
    service: a.service,
    repositoryUrl: a.repositoryUrl,
    defaultBranch: a.defaultBranch,
    buildTool: a.buildTool,
    labels: a.labels,
    deleted,
  };
}

@Injectable()
export class CatalogService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<TaskManagerConfig, 'APPLICATIONS_TOPIC'>,
  ) {}

  /** Imports a fleet: all or nothing, upserting by name. */
  async import(input: unknown): Promise<ImportOutcome> {
    const parsed = parseFleet(input);
    if ('errors' in parsed) throw badRequest(parsed.errors);
    return this.dataSource.transaction(async (tx) => {
      let created = 0;
      const applications: ApplicationRecord[] = [];
      for (const a of parsed.applications) {
        const [row] = (await tx.query(UPSERT, upsertParams(a))) as Array<ApplicationRow & { inserted: boolean }>;
        if (row!.inserted) created++;
        applications.push(toRecord(row!));
      }
      await this.publish(tx, applications);
      return { created, updated: applications.length - created, applications };
    });
  }

  async create(body: unknown): Promise<ApplicationRecord> {
    const parsed = applicationSchema.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(fieldErrors(parsed.error));
    return this.dataSource.transaction(async (tx) => {
      const existing = await tx.query('SELECT 1 FROM applications WHERE name = $1', [parsed.data.name]);
      if (existing.length > 0) throw badRequest([{ field: 'name', message: `an application named ${parsed.data.name} exists already` }]);
      const [row] = (await tx.query(UPSERT, upsertParams(parsed.data))) as ApplicationRow[];
      const record = toRecord(row!);
      await this.publish(tx, [record]);
      return record;
    });
  }

  async list(filter: { team?: string; service?: string }): Promise<ApplicationRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM applications WHERE ($1::text IS NULL OR team = $1) AND ($2::text IS NULL OR service = $2) ORDER BY name`,
      [filter.team ?? null, filter.service ?? null],
    )) as ApplicationRow[];
    return rows.map(toRecord);
  }

  async get(name: string, tx: Pick<EntityManager, 'query'> = this.dataSource): Promise<ApplicationRecord> {
    const rows = (await tx.query('SELECT * FROM applications WHERE name = $1', [name])) as ApplicationRow[];
    if (rows.length === 0) throw notFound('application', name);
    return toRecord(rows[0]!);
  }

  async update(name: string, body: unknown): Promise<ApplicationRecord> {
    const parsed = applicationPatchSchema.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(fieldErrors(parsed.error));
    const current = await this.get(name);
    const patch: ApplicationPatch = parsed.data;
    const next: ApplicationSpec = {
      ...current,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
      commands: { ...current.commands, ...(patch.commands ?? {}) },
    };
    return this.dataSource.transaction(async (tx) => {
      const [row] = (await tx.query(UPSERT, upsertParams(next))) as ApplicationRow[];
      const record = toRecord(row!);
      await this.publish(tx, [record]);
      return record;
    });
  }

  async remove(name: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const current = await this.get(name, tx);
      const used = await tx.query('SELECT 1 FROM runs r JOIN applications a ON a.id = r.application_id WHERE a.name = $1 LIMIT 1', [name]);
      if (used.length > 0) throw badRequest([{ field: 'name', message: `application ${name} has runs and cannot be deleted` }]);
      await tx.query('DELETE FROM applications WHERE name = $1', [name]);
      await this.publish(tx, [current], true);
    });
  }

  /**
   * Every catalog change goes out through the outbox in the transaction that made it (key: application name). All
   * catalog writes take one ordering lock rather than one per application, so an import of tens of thousands of
   * applications stays within Postgres' lock table.
   */
  private async publish(tx: SqlExecutor, applications: readonly ApplicationRecord[], deleted = false): Promise<void> {
    const now = Date.now();
    await this.outbox.addMany(
      tx,
      applications.map((a): OutboxMessage => ({ topic: this.config.APPLICATIONS_TOPIC, key: a.name, eventType: EVENT_TYPES.applicationCatalogEntry, value: catalogEntry(a, deleted, now) })),
      { orderingLock: `catalog:${this.config.APPLICATIONS_TOPIC}` },
    );
  }
}

export const listQuerySchema = z.object({ team: z.string().min(1).optional(), service: z.string().min(1).optional() });
