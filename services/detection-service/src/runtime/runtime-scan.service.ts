import { existsSync, readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { isShipshapeError } from '@shipshape/contracts';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import type { DetectionConfig } from '../config/detection.config';
import { InventoryStore } from '../inventory/inventory.store';
import type { InventoryEntry } from '../inventory/inventory.types';
import { readAgentJar, readJarComponents, readNodeModules } from './artifact-reader';
import { readEndpoint } from './endpoint-reader';

export interface InstanceTarget {
  readonly application: string;
  readonly instance: string;
  readonly address: string;
  readonly commit?: string | null;
  /** Overrides the configured components path. */
  readonly componentsPath?: string;
  /** Deployed jar / Node app directory when known from configuration (else what the instance reports). */
  readonly artifact?: string | null;
  readonly appDir?: string | null;
  /** JavaAgent jars the instance was started with, when known from configuration (else what the instance reports). */
  readonly agents?: readonly string[] | null;
}

/** What one instance has loaded, or why it could not be read (a value, not an exception). */
export type InstanceReading =
  | { readonly ok: true; readonly instance: string; readonly entries: readonly InventoryEntry[] }
  | { readonly ok: false; readonly instance: string; readonly code: string; readonly message: string };

/** Reads what running instances have loaded (endpoint + deployed artifact: its libraries and JDK, its JavaAgent jars) into the RUNTIME inventory. */
@Injectable()
export class RuntimeScanService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: InventoryStore,
    @Inject(SERVICE_CONFIG) private readonly config: DetectionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async read(target: InstanceTarget): Promise<InstanceReading> {
    try {
      const report = await readEndpoint(target.address, target.componentsPath ?? this.config.DETECTION_COMPONENTS_PATH, this.config.DETECTION_HTTP_TIMEOUT_MS);
      const entries = [...report.components];
      const artifact = target.artifact ?? report.artifact;
      if (artifact && existsSync(artifact)) entries.push(...readJarComponents(readFileSync(artifact), artifact));
      const appDir = target.appDir ?? report.appDir;
      if (appDir && existsSync(appDir)) entries.push(...readNodeModules(appDir));
      for (const agent of target.agents ?? report.agents) if (existsSync(agent)) entries.push(readAgentJar(readFileSync(agent), agent));
      return { ok: true, instance: target.instance, entries };
    } catch (err) {
      if (!isShipshapeError(err)) throw err;
      this.logger.warn({ application: target.application, instance: target.instance, code: err.code }, 'instance unreadable');
      return { ok: false, instance: target.instance, code: err.code, message: err.message };
    }
  }

  /** Reads an instance and replaces its RUNTIME slice (publishing changes); an unreadable instance keeps its last inventory. */
  async scan(target: InstanceTarget): Promise<InstanceReading> {
    const reading = await this.read(target);
    if (reading.ok) {
      await this.dataSource.transaction((tx) =>
        this.store.replace(tx, { application: target.application, origin: 'RUNTIME', instance: target.instance, commit: target.commit ?? null }, reading.entries),
      );
    }
    return reading;
  }
}
