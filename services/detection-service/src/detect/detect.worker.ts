import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EVENT_TYPES, TOPICS, isShipshapeError, type StepCommand } from '@shipshape/contracts';
import { OutboxWriter } from '@shipshape/messaging';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { DataSource } from 'typeorm';
import type { DetectionConfig } from '../config/detection.config';
import type { InventoryEntry } from '../inventory/inventory.types';
import { ecosystemOfReported } from '../runtime/endpoint-reader';
import { RuntimeScanService } from '../runtime/runtime-scan.service';
import { SourceScanService } from '../source/source-scan.service';
import { stepResultOf, type DetectStepRow } from './detect-step';
import { describeEvidence, errorClassOf, verify, type VerificationInput } from './verify';

interface InstanceRow {
  instance: string;
  address: string;
  commit: string | null;
  /** Versions the RuntimeInstanceEvent reported (release-service: the sidecar agent). */
  components: Record<string, string>;
}

const reportedEntry = (name: string, version: string, instance: string): InventoryEntry => ({
  ecosystem: ecosystemOfReported(name), name, version, constraint: null, direct: true, kind: 'instance-event', declaredFile: `RuntimeInstanceEvent of ${instance}`,
  declaredLine: null, versionFile: null, versionLine: null, via: null, scope: null, module: '', problem: null,
});

/**
 * Picks pending detect steps (`FOR UPDATE SKIP LOCKED`: one worker per step, a crash leaves it
 * pending for the next), scans the default branch (or the step's ref) and reads every production
 * instance, then marks the step done and publishes the StepResult in one transaction.
 */
@Injectable()
export class DetectWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly sources: SourceScanService,
    private readonly runtime: RuntimeScanService,
    @Inject(SERVICE_CONFIG) private readonly config: DetectionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.poke(), this.config.DETECTION_WORKER_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  poke(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain()
      .catch((err: unknown) => this.logger.error({ err }, 'detect worker failed; retrying'))
      .finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (!this.stopped && (await this.runOne())) {
      /* next */
    }
  }

  /** Runs one pending step; false when there is none. */
  async runOne(): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const [row] = (await tx.query(
        `SELECT * FROM detect_step WHERE status = 'pending' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      )) as DetectStepRow[];
      if (!row) return false;
      await tx.query('UPDATE detect_step SET attempts = attempts + 1, updated_at = now() WHERE step_id = $1', [row.step_id]);
      const result = await this.execute(row.command, row.created_at);
      await tx.query(`UPDATE detect_step SET status = 'done', result = $2, updated_at = now() WHERE step_id = $1`, [row.step_id, JSON.stringify(result)]);
      await this.outbox.add(tx, { topic: TOPICS.stepResults, key: row.run_id, eventType: EVENT_TYPES.stepResult, value: result });
      this.logger.info({ step: row.step_id, application: row.application, outcome: result.outcome, errorClass: result.errorClass }, 'detect step done');
      return true;
    });
  }

  private async execute(cmd: StepCommand, startedAt: Date) {
    const params = cmd.parameters.detect ?? { checkSource: true, checkRuntime: true, gitRef: null, expectedCommit: null };
    const target = { ecosystem: cmd.componentChange.ecosystem, coordinates: cmd.componentChange.coordinates, toVersion: cmd.componentChange.toVersion };
    const app = cmd.application.name;
    const progress = (phase: string, percent: number) =>
      this.dataSource.transaction((tx) =>
        this.outbox.add(tx, {
          topic: TOPICS.stepResults, key: cmd.runId, eventType: EVENT_TYPES.stepResult,
          value: { ...stepResultOf(cmd, startedAt, { outcome: 'PROGRESS', message: phase, details: { phase } }), progress: { phase, percent, completed: null, total: null } },
        }),
      );
    let source: VerificationInput['source'] = null;
    let mavenMode = 'not checked';
    if (params.checkSource) {
      const ref = params.gitRef ?? cmd.application.defaultBranch ?? 'HEAD';
      await progress('scanning source', 0);
      try {
        const scan = await this.sources.scan(app, cmd.application.repositoryUrl, ref);
        source = { commit: scan.commit, entries: scan.entries };
        mavenMode = scan.mavenMode;
        if (scan.result.errors.length > 0) {
          const e = scan.result.errors[0]!;
          return stepResultOf(cmd, startedAt, { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: `${e.file}:${e.line}: ${e.message}`, details: { file: e.file, line: String(e.line), commit: scan.commit } });
        }
      } catch (err) {
        if (isShipshapeError(err, 'DETECTION.MAVEN_FAILED')) return stepResultOf(cmd, startedAt, { outcome: 'FAILED', errorClass: 'DEPENDENCY_RESOLUTION', message: err.message, details: { ref } });
        if (isShipshapeError(err, 'DETECTION.APPLICATION_DELETED')) return stepResultOf(cmd, startedAt, { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: err.message, details: { ref } });
        if (!isShipshapeError(err, 'DETECTION.GIT_FAILED')) throw err;
        return stepResultOf(cmd, startedAt, { outcome: 'FAILED', errorClass: 'TRANSIENT', message: err.message, details: { ref } });
      }
    }
    let instances: VerificationInput['instances'] = null;
    if (params.checkRuntime) {
      await progress('reading instances', 50);
      const known = (await this.dataSource.query(
        `SELECT instance, address, commit, components FROM runtime_instance WHERE application = $1 AND state <> 'STOPPED' AND environment = 'production' ORDER BY instance`,
        [app],
      )) as InstanceRow[];
      const configured = this.config.DETECTION_INSTANCES[app] ?? [];
      const targets = [...known, ...configured.filter((c) => !known.some((k) => k.instance === c.instance)).map((c) => ({ ...c, commit: null }))];
      const readings: NonNullable<VerificationInput['instances']>[number][] = [];
      for (const i of targets) {
        const reading = await this.runtime.scan({ application: app, instance: i.instance, address: i.address, commit: i.commit });
        // what release-service says it started the instance with (e.g. the sidecar agent version) counts as evidence too
        const reported = 'components' in i ? Object.entries(i.components).map(([name, version]) => reportedEntry(name, version, i.instance)) : [];
        readings.push({ ...(reading.ok ? { ...reading, entries: [...reading.entries, ...reported] } : reading), commit: i.commit });
      }
      instances = readings;
    }
    const evidence = verify({ target, source, instances, expectedCommit: params.expectedCommit });
    const base = { component: `${target.ecosystem}:${target.coordinates}`, targetVersion: target.toVersion, commit: source?.commit ?? '', instances: String(instances?.length ?? 0), mavenMode };
    if (evidence.length === 0) {
      return stepResultOf(cmd, startedAt, { outcome: 'SUCCEEDED', errorClass: null, message: `${target.coordinates} ${target.toVersion} declared at ${source?.commit.slice(0, 12) ?? '(source not checked)'} and loaded by ${instances?.length ?? 0} instance(s)`, details: base });
    }
    const lines = evidence.map((e) => describeEvidence(e, target.coordinates));
    return stepResultOf(cmd, startedAt, {
      outcome: 'FAILED',
      errorClass: errorClassOf(evidence),
      message: `${lines.slice(0, 3).join('; ')}${lines.length > 3 ? `; and ${lines.length - 3} more` : ''}`,
      details: { ...base, evidence: JSON.stringify(evidence), ...Object.fromEntries(lines.map((l, i) => [`evidence.${i + 1}`, l])) },
    });
  }
}
