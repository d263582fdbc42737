import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { isShipshapeError } from '@shipshape/contracts';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { DataSource, type QueryRunner } from 'typeorm';
import type { DetectionConfig } from '../config/detection.config';
import { RuntimeScanService } from '../runtime/runtime-scan.service';
import { SourceScanService } from '../source/source-scan.service';

export interface RescanSummary {
  readonly applications: number;
  /** Of those, applications from the catalog. */
  readonly catalogApplications: number;
  readonly instances: number;
  /** Applications or instances that could not be scanned, with why (values, the rescan goes on). */
  readonly failures: { readonly target: string; readonly code: string; readonly message: string }[];
  readonly skipped?: 'another rescan is running';
}

type Failure = { target: string; code: string; message: string };
interface AppTarget {
  application: string;
  repo_url: string;
  ref: string;
  catalog: boolean;
}

/**
 * Rescans the whole catalog on a timer (DETECTION_RESCAN_INTERVAL_MS, 0 = off) and on demand: every application
 * of task-manager's catalog (detection's copy, from ApplicationCatalogEntry events) at its default branch, also
 * ones never scanned before; applications scanned on demand that the catalog does not list, at the ref they were
 * scanned at; every live instance from RuntimeInstanceEvents or DETECTION_INSTANCES. Applications deleted from
 * the catalog are not scanned (their inventory was removed).
 *
 * Between rescans, a catch-up (every DETECTION_CATALOG_SCAN_POLL_MS, 0 = off) scans the catalog applications not
 * scanned yet at their catalog repository and default branch (new, moved or re-branched ones) at once. A failed
 * scan is recorded on the catalog entry (`scan_error`); the catch-up leaves it to the next rescan or catalog change.
 * One replica at a time: a session advisory lock guards both.
 */
@Injectable()
export class RescanService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private catchUpTimer: NodeJS.Timeout | undefined;
  private current: Promise<RescanSummary> | undefined;
  private catchingUp: Promise<unknown> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sources: SourceScanService,
    private readonly runtime: RuntimeScanService,
    @Inject(SERVICE_CONFIG) private readonly config: DetectionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.DETECTION_RESCAN_INTERVAL_MS > 0) {
      this.timer = setInterval(() => void this.rescan().catch((err: unknown) => this.logger.error({ err }, 'rescan failed')), this.config.DETECTION_RESCAN_INTERVAL_MS);
      this.timer.unref();
    }
    if (this.config.DETECTION_CATALOG_SCAN_POLL_MS > 0) {
      this.catchUpTimer = setInterval(() => {
        this.catchingUp ??= this.catchUp()
          .catch((err: unknown) => this.logger.error({ err }, 'catalog catch-up failed'))
          .finally(() => (this.catchingUp = undefined));
      }, this.config.DETECTION_CATALOG_SCAN_POLL_MS);
      this.catchUpTimer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.catchUpTimer);
    await Promise.all([this.current?.catch(() => undefined), this.catchingUp]);
  }

  rescan(): Promise<RescanSummary> {
    this.current ??= this.run().finally(() => (this.current = undefined));
    return this.current;
  }

  /** Scans the catalog applications not scanned yet at their catalog repository and branch; null when a rescan holds the lock. */
  async catchUp(): Promise<{ applications: number; failures: Failure[] } | null> {
    return this.locked(async (runner) => {
      const apps = (await runner.query(
        `SELECT c.name AS application, c.repository_url AS repo_url, c.default_branch AS ref, true AS catalog
           FROM catalog_application c LEFT JOIN inventory_application i ON i.application = c.name
          WHERE NOT c.deleted AND c.scan_error IS NULL
            AND (i.application IS NULL OR i.repo_url IS DISTINCT FROM c.repository_url OR i.ref IS DISTINCT FROM c.default_branch)
          ORDER BY c.name`,
      )) as AppTarget[];
      if (apps.length === 0) return { applications: 0, failures: [] };
      const failures = await this.scanApplications(apps);
      this.logger.info({ applications: apps.length, failures: failures.length }, 'new catalog applications scanned');
      return { applications: apps.length, failures };
    });
  }

  private async run(): Promise<RescanSummary> {
    const summary = await this.locked(async (runner) => {
      const apps = (await runner.query(
        `SELECT name AS application, repository_url AS repo_url, default_branch AS ref, true AS catalog FROM catalog_application WHERE NOT deleted
         UNION ALL
         SELECT application, repo_url, ref, false FROM inventory_application i
          WHERE repo_url IS NOT NULL AND NOT EXISTS (SELECT 1 FROM catalog_application c WHERE c.name = i.application)
         ORDER BY application`,
      )) as AppTarget[];
      const failures = await this.scanApplications(apps);
      const known = (await runner.query(`SELECT application, instance, address, commit FROM runtime_instance WHERE state <> 'STOPPED' ORDER BY application, instance`)) as { application: string; instance: string; address: string; commit: string | null }[];
      // plus the configured URL list of applications Shipshape does not deploy
      const configured = Object.entries(this.config.DETECTION_INSTANCES).flatMap(([application, list]) =>
        list.filter((c) => !known.some((k) => k.application === application && k.instance === c.instance)).map((c) => ({ application, ...c, commit: null })),
      );
      const instances = [...known, ...configured];
      for (const i of instances) {
        const r = await this.runtime.scan(i);
        if (!r.ok) failures.push({ target: `${i.application}/${i.instance}`, code: r.code, message: r.message });
      }
      const catalogApplications = apps.filter((a) => a.catalog).length;
      this.logger.info({ applications: apps.length, catalogApplications, instances: instances.length, failures: failures.length }, 'catalog rescanned');
      return { applications: apps.length, catalogApplications, instances: instances.length, failures };
    });
    return summary ?? { applications: 0, catalogApplications: 0, instances: 0, failures: [], skipped: 'another rescan is running' };
  }

  /** Source scans one by one; a failure is a value (and, for a catalog application, its recorded scan_error). */
  private async scanApplications(apps: readonly AppTarget[]): Promise<Failure[]> {
    const failures: Failure[] = [];
    for (const a of apps) {
      try {
        await this.sources.scan(a.application, a.repo_url, a.ref);
      } catch (err) {
        if (!isShipshapeError(err)) throw err;
        failures.push({ target: a.application, code: err.code, message: err.message });
        if (a.catalog && err.code !== 'DETECTION.APPLICATION_DELETED') {
          await this.dataSource.query(`UPDATE catalog_application SET scan_error = jsonb_build_object('code', $2::text, 'message', $3::text, 'at', now()) WHERE name = $1`, [a.application, err.code, err.message]);
        }
      }
    }
    return failures;
  }

  /** Runs `fn` holding the rescan advisory lock (session-level, one replica at a time); null when another holds it. */
  private async locked<T>(fn: (runner: QueryRunner) => Promise<T>): Promise<T | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(hashtextextended('detection-rescan', 0)) AS locked`)) as [{ locked: boolean }];
      if (!locked) return null;
      try {
        return await fn(runner);
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtextextended('detection-rescan', 0))`);
      }
    } finally {
      await runner.release();
    }
  }
}
