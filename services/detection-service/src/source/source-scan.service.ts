import { Inject, Injectable } from '@nestjs/common';
import { extractComponents, type ExtractionResult } from '@shipshape/manifests';
import { LOGGER } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import { InventoryStore } from '../inventory/inventory.store';
import { entryOfDeclaration } from '../inventory/inventory.types';
import { GitSource } from './git-source';

export interface SourceScan {
  readonly application: string;
  readonly commit: string;
  readonly result: ExtractionResult;
  /** InventoryChanges published. */
  readonly changes: number;
}

/** Scans an application's repository at a ref and stores its SOURCE inventory (publishing changes). */
@Injectable()
export class SourceScanService {
  constructor(
    private readonly git: GitSource,
    private readonly dataSource: DataSource,
    private readonly store: InventoryStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async scan(application: string, repoUrl: string, ref = 'HEAD'): Promise<SourceScan> {
    const { commit, tree } = await this.git.treeAt(repoUrl, ref);
    const result = extractComponents(tree);
    const changes = await this.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO inventory_application (application, repo_url, ref, commit, scanned_at, manifests, errors)
         VALUES ($1, $2, $3, $4, now(), $5, $6)
         ON CONFLICT (application) DO UPDATE SET repo_url = $2, ref = $3, commit = $4, scanned_at = now(), manifests = $5, errors = $6`,
        [application, repoUrl, ref, commit, result.manifests.length, JSON.stringify(result.errors)],
      );
      return this.store.replace(tx, { application, origin: 'SOURCE', instance: '', commit }, result.components.map(entryOfDeclaration));
    });
    this.logger.info({ application, commit, components: result.components.length, errors: result.errors.length, changes }, 'source scanned');
    return { application, commit, result, changes };
  }
}
