import { Inject, Injectable } from '@nestjs/common';
import { ShipshapeError } from '@shipshape/contracts';
import { extractComponents, type ExtractionResult } from '@shipshape/manifests';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import { InventoryStore } from '../inventory/inventory.store';
import type { DetectionConfig } from '../config/detection.config';
import { entryOfDeclaration, type InventoryEntry } from '../inventory/inventory.types';
import { MavenUnavailableError, resolveWithMaven } from './maven-resolver';
import { GitSource } from './git-source';

export interface SourceScan {
  readonly application: string;
  readonly commit: string;
  readonly result: ExtractionResult;
  /** Static declarations plus, in the accurate mode, Maven's resolved tree (what is stored). */
  readonly entries: readonly InventoryEntry[];
  /** How Maven dependencies were read: static, accurate, or static because Maven is not installed. */
  readonly mavenMode: 'static' | 'accurate' | 'static (maven unavailable)';
  /** InventoryChanges published. */
  readonly changes: number;
}

/** The application was deleted from task-manager's catalog: its inventory is gone and a scan does not bring it back. */
export class ApplicationDeletedError extends ShipshapeError {
  constructor(application: string) {
    super('DETECTION.APPLICATION_DELETED', `application ${application} was deleted from the catalog`, { details: { application } });
  }
}

/**
 * Scans an application's repository at a ref and stores its SOURCE inventory (publishing changes).
 * In the accurate Maven mode the commit is exported and Maven resolves the full tree; without Maven
 * installed the scan stays static and says so.
 */
@Injectable()
export class SourceScanService {
  constructor(
    private readonly git: GitSource,
    private readonly dataSource: DataSource,
    private readonly store: InventoryStore,
    @Inject(SERVICE_CONFIG) private readonly config: DetectionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async scan(application: string, repoUrl: string, ref = 'HEAD', mode: DetectionConfig['DETECTION_MAVEN_MODE'] = this.config.DETECTION_MAVEN_MODE): Promise<SourceScan> {
    const { commit, tree } = await this.git.treeAt(repoUrl, ref);
    const result = extractComponents(tree);
    let entries: InventoryEntry[] = result.components.map(entryOfDeclaration);
    let mavenMode: SourceScan['mavenMode'] = 'static';
    if (mode === 'accurate' && tree.files.includes('pom.xml') && result.errors.length === 0) {
      const dir = mkdtempSync(join(tmpdir(), 'detection-checkout-'));
      try {
        await this.git.export(repoUrl, commit, dir);
        const resolved = await resolveWithMaven(dir, { command: this.config.DETECTION_MAVEN_COMMAND, timeoutMs: this.config.DETECTION_MAVEN_TIMEOUT_MS });
        const covered = new Set(resolved.map((e) => `${e.ecosystem}:${e.name}`));
        // Maven's answer replaces the static guesses it settles (versions managed outside the repository).
        entries = [...entries.filter((e) => e.version !== null || !covered.has(`${e.ecosystem}:${e.name}`)), ...resolved];
        mavenMode = 'accurate';
      } catch (err) {
        if (!(err instanceof MavenUnavailableError)) throw err;
        mavenMode = 'static (maven unavailable)';
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const changes = await this.dataSource.transaction(async (tx) => {
      // Waits for a catalog deletion in flight: a scan that started before it must not bring the inventory back.
      const [catalog] = (await tx.query('UPDATE catalog_application SET scan_error = NULL WHERE name = $1 RETURNING deleted', [application])) as [{ deleted: boolean }[], number];
      if (catalog[0]?.deleted) throw new ApplicationDeletedError(application);
      await tx.query(
        `INSERT INTO inventory_application (application, repo_url, ref, commit, scanned_at, manifests, errors)
         VALUES ($1, $2, $3, $4, now(), $5, $6)
         ON CONFLICT (application) DO UPDATE SET repo_url = $2, ref = $3, commit = $4, scanned_at = now(), manifests = $5, errors = $6`,
        [application, repoUrl, ref, commit, result.manifests.length, JSON.stringify(result.errors)],
      );
      return this.store.replace(tx, { application, origin: 'SOURCE', instance: '', commit }, entries);
    });
    this.logger.info({ application, commit, components: entries.length, errors: result.errors.length, changes, mavenMode }, 'source scanned');
    return { application, commit, result, entries, mavenMode, changes };
  }
}
