import { Injectable } from '@nestjs/common';
import { compareVersions } from '@shipshape/manifests';
import { DataSource } from 'typeorm';
import type { Origin } from './inventory.types';

export interface ComponentRef {
  readonly ecosystem: string;
  readonly name: string;
}

export interface UsageRow {
  readonly application: string;
  readonly origin: Origin;
  readonly instance: string;
  readonly version: string | null;
  readonly direct: boolean;
  readonly kind: string;
  readonly declaredAt: string | null;
  readonly versionAt: string | null;
  readonly via: string | null;
  readonly module: string;
  readonly commit: string | null;
}

export interface ApplicationUsage {
  readonly application: string;
  readonly sourceVersions: string[];
  readonly runtimeVersions: string[];
  readonly declarations: UsageRow[];
}

const distinctSorted = (vs: (string | null)[]) => [...new Set(vs.filter((v): v is string => v !== null))].sort(compareVersions);

/** Read side of the inventory for dashboards and task selection. */
@Injectable()
export class InventoryQueries {
  constructor(private readonly dataSource: DataSource) {}

  private async usageRows(ref: ComponentRef, application?: string): Promise<UsageRow[]> {
    const rows = (await this.dataSource.query(
      `SELECT c.application, c.origin, c.instance, c.version, c.direct, c.kind, c.via, c.module, c.commit,
              CASE WHEN c.declared_file IS NULL THEN NULL WHEN c.declared_line IS NULL THEN c.declared_file ELSE c.declared_file || ':' || c.declared_line END AS declared_at,
              CASE WHEN c.version_file IS NULL THEN NULL ELSE c.version_file || ':' || c.version_line END AS version_at
         FROM inventory_component c
         LEFT JOIN runtime_instance r ON r.application = c.application AND r.instance = c.instance
        WHERE c.ecosystem = $1 AND c.name = $2 AND ($3::text IS NULL OR c.application = $3)
          AND (c.origin = 'SOURCE' OR r.state IS NULL OR r.state <> 'STOPPED')
        ORDER BY c.application, c.origin DESC, c.instance, c.id`,
      [ref.ecosystem, ref.name, application ?? null],
    )) as (Omit<UsageRow, 'declaredAt' | 'versionAt'> & { declared_at: string | null; version_at: string | null })[];
    return rows.map(({ declared_at, version_at, ...r }) => ({ ...r, declaredAt: declared_at, versionAt: version_at }));
  }

  /** Applications using a component, with the versions their source declares and their instances load. */
  async usage(ref: ComponentRef, application?: string): Promise<ApplicationUsage[]> {
    const byApp = new Map<string, UsageRow[]>();
    for (const r of await this.usageRows(ref, application)) byApp.set(r.application, [...(byApp.get(r.application) ?? []), r]);
    return [...byApp].map(([app, rows]) => ({
      application: app,
      sourceVersions: distinctSorted(rows.filter((r) => r.origin === 'SOURCE').map((r) => r.version)),
      runtimeVersions: distinctSorted(rows.filter((r) => r.origin === 'RUNTIME').map((r) => r.version)),
      declarations: rows,
    }));
  }

  /** How many applications are on each version of a component (an application on two versions counts for both). */
  async distribution(ref: ComponentRef, origin: Origin): Promise<{ version: string | null; applications: string[] }[]> {
    const out = new Map<string | null, Set<string>>();
    for (const u of await this.usage(ref)) {
      const versions = origin === 'SOURCE' ? u.sourceVersions : u.runtimeVersions;
      const rows = u.declarations.filter((d) => d.origin === origin);
      if (rows.length === 0) continue;
      for (const v of versions.length ? versions : [null]) out.set(v, (out.get(v) ?? new Set()).add(u.application));
    }
    return [...out]
      .map(([version, apps]) => ({ version, applications: [...apps].sort() }))
      .sort((a, b) => (a.version === null ? -1 : b.version === null ? 1 : compareVersions(a.version, b.version)));
  }

  /** Applications where some source declaration or running instance is below a minimum version (or unresolved). */
  async behind(ref: ComponentRef, minVersion: string): Promise<(ApplicationUsage & { behind: UsageRow[] })[]> {
    return (await this.usage(ref))
      .map((u) => ({ ...u, behind: u.declarations.filter((d) => d.version === null || compareVersions(d.version, minVersion) < 0) }))
      .filter((u) => u.behind.length > 0);
  }

  async components(application: string, origin?: Origin): Promise<Record<string, unknown>[]> {
    return (await this.dataSource.query(
      `SELECT origin, instance, ecosystem, name, version, version_constraint AS "constraint", direct, kind, declared_file AS "declaredFile",
              declared_line AS "declaredLine", version_file AS "versionFile", version_line AS "versionLine", via, scope, module, problem, commit
         FROM inventory_component WHERE application = $1 AND ($2::text IS NULL OR origin = $2)
        ORDER BY origin DESC, instance, ecosystem, name, id`,
      [application, origin ?? null],
    )) as Record<string, unknown>[];
  }

  /** detection's copy of task-manager's catalog with each application's scan state (deleted ones included). */
  async catalog(): Promise<Record<string, unknown>[]> {
    return (await this.dataSource.query(
      `SELECT c.name AS application, c.team, c.service, c.repository_url AS "repositoryUrl", c.default_branch AS "defaultBranch", c.build_tool AS "buildTool",
              c.deleted, c.occurred_at AS "changedAt", i.ref AS "scannedRef", i.commit AS "scannedCommit", i.scanned_at AS "scannedAt", c.scan_error AS "scanError"
         FROM catalog_application c LEFT JOIN inventory_application i ON i.application = c.name ORDER BY c.name`,
    )) as Record<string, unknown>[];
  }

  async applications(): Promise<Record<string, unknown>[]> {
    return (await this.dataSource.query(
      `SELECT application, repo_url AS "repoUrl", ref, commit, scanned_at AS "scannedAt", manifests, errors FROM inventory_application ORDER BY application`,
    )) as Record<string, unknown>[];
  }
}
