import { Inject, Injectable } from '@nestjs/common';
import { EVENT_TYPES, type ErrorClass, type StepResultInput } from '@shipshape/contracts';
import { OutboxWriter, type SqlExecutor } from '@shipshape/messaging';
import { LOGGER, SERVICE_CONFIG } from '@shipshape/service-kit';
import type { Logger } from '@shipshape/telemetry';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { ReleaseConfig } from '../config/release.config';
import { RUNTIME_DRIVER, type BuildOutcome, type RuntimeDriver } from '../runtime/runtime-driver';
import { RuntimeRegistry } from '../runtime/runtime.registry';
import { runsSpec, specOf, type InstanceSpec, type RuntimeInstance } from '../runtime/runtime.types';
import { EMPTY_BAKE, crashesSince, evaluateGates, measurementDetails, type BakeState, type MetricsReading } from './gates';
import { bucketsOf, parsePrometheusText, parseSelector, sumOf, type MetricSelector } from './prometheus-text';
import { batchCounts, resolvePlan } from './release-plan';
import { releaseMetrics } from './release.metrics';
import { ReleaseStore } from './release.store';
import type { PreparedPlan, ReleaseRecord, ReleaseTarget, StoredResult } from './release.types';

export const RELEASE_SERVICE_NAME = 'release-service';

/** Says whether the executor must stop where it stands (shutdown, lease lost); the release is resumed later. */
export type StopSignal = () => boolean;

type Step = 'continue' | 'stopped' | 'done';

function failed(errorClass: ErrorClass, message: string, details: Record<string, string> = {}): StoredResult {
  return { outcome: 'FAILED', errorClass, message, details };
}

/** Stopped by hand (REST abort, task-manager's release abort, or the run/task aborted): ABORTED, no error class. */
function aborted(message: string): StoredResult {
  return { outcome: 'ABORTED', errorClass: null, message, details: { reason: 'aborted' } };
}

/** The step's deadline (StepCommand.deadline) has passed: the release stops and rolls back (TIMEOUT). */
function pastDeadline(release: ReleaseRecord): boolean {
  return Date.now() >= Number(release.command.deadline);
}

function deadlineDetails(release: ReleaseRecord): Record<string, string> {
  return { deadline: new Date(Number(release.command.deadline)).toISOString() };
}

/** Variables release-service itself set on instances in earlier versions (stacked -javaagent); never carried over. */
const LEGACY_AGENT_OPTIONS = 'JAVA_TOOL_OPTIONS';

function withSuffix(selector: MetricSelector, suffix: string): MetricSelector {
  return { name: `${selector.name}${suffix}`, labels: selector.labels };
}

/** The StepResult of a release step (final or progress), ready for the outbox. */
export function stepResultOf(release: ReleaseRecord, result: Pick<StepResultInput, 'outcome' | 'errorClass' | 'message' | 'details' | 'progress'>): StepResultInput {
  return {
    eventId: randomUUID(),
    stepId: release.id,
    runId: release.runId,
    taskId: release.taskId,
    stage: release.stage,
    attempt: release.attempt,
    service: RELEASE_SERVICE_NAME,
    occurredAt: Date.now(),
    ...result,
    usage: { durationMs: Math.max(0, Date.now() - release.createdAt.getTime()), cpuMillis: null, peakMemoryBytes: null, metrics: {} },
  };
}

/**
 * Drives one release from where its row stands: prepare (commit on the default branch, build), then
 * batch after batch (replace instances one by one, bake with gates), rollback on a failed gate or an
 * abort, and the final StepResult through the outbox in the transaction that ends it. Every step is
 * persisted before the next, so a restart resumes it; replacements are idempotent (registry).
 */
@Injectable()
export class ReleaseExecutor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ReleaseStore,
    private readonly registry: RuntimeRegistry,
    private readonly outbox: OutboxWriter,
    @Inject(RUNTIME_DRIVER) private readonly driver: RuntimeDriver,
    @Inject(SERVICE_CONFIG) private readonly config: ReleaseConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(id: string, shouldStop: StopSignal): Promise<void> {
    for (;;) {
      if (shouldStop()) return;
      const release = await this.store.get(id);
      if (release === null) return;
      const step = await this.advance(release, shouldStop);
      if (step !== 'continue') return;
    }
  }

  private async advance(release: ReleaseRecord, shouldStop: StopSignal): Promise<Step> {
    switch (release.status) {
      case 'pending':
        if (release.abortRequested) return this.finish(release, aborted('release aborted before it started; nothing changed'));
        if (pastDeadline(release)) return this.finish(release, failed('TIMEOUT', 'the release step passed its deadline before it started; nothing changed', deadlineDetails(release)));
        return this.prepare(release);
      case 'running':
        return this.runBatch(release, shouldStop);
      case 'rolling_back':
        return this.rollBack(release, shouldStop);
      case 'succeeded':
      case 'failed':
      case 'aborted':
        return 'done';
      default: {
        const never: never = release.status;
        throw new Error(`unknown release status ${String(never)}`);
      }
    }
  }

  // ---------------------------------------------------------------- prepare

  private async prepare(release: ReleaseRecord): Promise<Step> {
    const command = release.command;
    if (command.stage !== 'release') return this.finish(release, failed('INVALID_INPUT', `release-service serves the release stage, not ${command.stage}`));
    const resolved = resolvePlan(command);
    if (resolved.kind === 'invalid') {
      const details = Object.fromEntries(resolved.problems.map((p) => [p.field, p.message]));
      return this.finish(release, failed('INVALID_INPUT', `invalid release parameters: ${resolved.problems.map((p) => p.field).join(', ')}`, details));
    }
    const plan = resolved.plan;
    const runtime = command.parameters.release?.runtime ?? this.driver.name;
    if (runtime !== this.driver.name) {
      return this.finish(release, failed('INVALID_INPUT', `runtime ${runtime} is not available here (${this.driver.name})`, { field: 'parameters.release.runtime' }));
    }
    if (plan.startCommand === null) return this.finish(release, failed('INVALID_INPUT', 'the application has no start command', { field: 'application.commands.start' }));
    // every recorded instance, failed ones too: the release puts them on the new version (rollback: back on what they had)
    const current = await this.registry.list(release.application);
    const sidecar = command.componentChange.kind === 'SIDECAR';

    let target: ReleaseTarget;
    if (sidecar && current.length > 0) {
      const base = current[0] as RuntimeInstance;
      target = { kind: 'SIDECAR', commit: base.commit, version: base.version, location: base.location, startCommand: base.startCommand, agentVersion: command.componentChange.toVersion };
    } else {
      await this.progress(release, 'building', null, { gitRef: sidecar ? command.application.defaultBranch : plan.gitRef });
      const outcome = await this.driver.build({
        application: release.application,
        repositoryUrl: command.application.repositoryUrl,
        defaultBranch: command.application.defaultBranch,
        gitRef: sidecar ? command.application.defaultBranch : plan.gitRef,
        buildCommand: plan.buildCommand,
      });
      const problem = this.buildProblem(outcome);
      if (problem !== null) return this.finish(release, problem);
      if (outcome.kind !== 'built') return 'done';
      if (pastDeadline(release)) return this.finish(release, failed('TIMEOUT', 'the release step passed its deadline while building; nothing changed', { ...deadlineDetails(release), commit: outcome.build.commit }));
      target = {
        kind: sidecar ? 'SIDECAR' : 'COMPONENT',
        commit: outcome.build.commit,
        version: outcome.build.version,
        location: outcome.build.location,
        startCommand: plan.startCommand,
        agentVersion: sidecar ? command.componentChange.toVersion : null,
      };
    }

    const provisioning = current.length === 0;
    const total = provisioning ? (plan.instances ?? this.config.RELEASE_DEFAULT_INSTANCES) : current.length;
    const order = provisioning ? Array.from({ length: total }, (_, i) => `i-${i}`) : current.map((i) => i.instanceId);
    const prepared: PreparedPlan = { ...plan, counts: provisioning ? [total] : batchCounts(plan.batches, total), order, provisioning };
    const previous = Object.fromEntries(current.map((i) => [i.instanceId, specOf(i)]));
    const updated = await this.store.update(release.id, { status: 'running', plan: prepared, target, previous, batchIndex: 0, bakeStartedAt: null, bake: null });
    this.logger.info({ release: release.id, application: release.application, commit: target.commit, version: target.version, batches: prepared.counts }, 'release prepared');
    await this.progress(updated, 'prepared', null, { commit: target.commit ?? '', version: target.version, batches: prepared.counts.join(',') });
    return 'continue';
  }

  private buildProblem(outcome: BuildOutcome): StoredResult | null {
    switch (outcome.kind) {
      case 'built':
        return null;
      case 'ref-not-found':
        return failed('INVALID_INPUT', `${outcome.gitRef} does not exist in the repository`, { gitRef: outcome.gitRef });
      case 'not-on-default-branch':
        return failed('INVALID_INPUT', `commit ${outcome.commit} is not on ${outcome.defaultBranch}`, { commit: outcome.commit, defaultBranch: outcome.defaultBranch });
      case 'clone-failed':
        return failed('TRANSIENT', 'the repository could not be fetched', { error: outcome.message.slice(0, 2000) });
      case 'build-failed':
        return outcome.timedOut
          ? failed('TIMEOUT', 'the build timed out', { commit: outcome.commit, log: outcome.logTail })
          : failed('COMPILE_ERROR', 'the build failed', { commit: outcome.commit, exitCode: String(outcome.exitCode), log: outcome.logTail });
      default: {
        const never: never = outcome;
        throw new Error(`unknown build outcome ${JSON.stringify(never)}`);
      }
    }
  }

  // ---------------------------------------------------------------- batches

  /** The instance's variables without the agent settings a release put there (the agent variable; a legacy -javaagent option). */
  private withoutAgent(env: Readonly<Record<string, string>>): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const [name, value] of Object.entries(env)) {
      if (name === this.config.RELEASE_AGENT_VERSION_VAR) continue;
      if (name === LEGACY_AGENT_OPTIONS && value.trim().startsWith('-javaagent:')) continue;
      kept[name] = value;
    }
    return kept;
  }

  /**
   * What the instance runs once released. SIDECAR: the running build, and the agent version in the
   * agent variable only (the start script loads that agent instead of the one it declares; nothing is
   * stacked). COMPONENT: the new build with the agent its own start script declares: an agent version
   * set by an earlier sidecar release is not carried into it (the merged code declares the current one).
   */
  private targetSpec(release: ReleaseRecord, instanceId: string): InstanceSpec {
    const plan = release.plan as PreparedPlan;
    const target = release.target as ReleaseTarget;
    const before = release.previous?.[instanceId];
    const agentVersion = target.kind === 'SIDECAR' ? target.agentVersion : null;
    const env: Record<string, string> = { ...this.withoutAgent(before?.env ?? {}), ...plan.env, INSTANCE_ID: instanceId };
    if (agentVersion !== null) env[this.config.RELEASE_AGENT_VERSION_VAR] = agentVersion;
    return { commit: target.commit, version: target.version, agentVersion, location: target.location, startCommand: target.startCommand, env };
  }

  private async runBatch(release: ReleaseRecord, shouldStop: StopSignal): Promise<Step> {
    const plan = release.plan as PreparedPlan;
    if (release.abortRequested) return this.beginRollback(release, aborted('release aborted by hand; rolled back'));
    if (release.batchIndex >= plan.counts.length) return this.succeed(release);
    if (pastDeadline(release)) {
      return this.beginRollback(
        release,
        failed('TIMEOUT', `the release passed its deadline in batch ${release.batchIndex + 1} of ${plan.counts.length}; rolled back`, { ...deadlineDetails(release), batch: String(release.batchIndex + 1) }),
      );
    }
    const count = plan.counts[release.batchIndex] as number;
    const batchIds = plan.order.slice(0, count);

    // Replace phase: one instance at a time, checking controls between them.
    if (release.bakeStartedAt === null) {
      const pending: string[] = [];
      const current = new Map((await this.registry.list(release.application)).map((i) => [i.instanceId, i]));
      for (const id of batchIds) {
        const instance = current.get(id);
        if (instance === undefined || instance.state !== 'running' || !runsSpec(instance, this.targetSpec(release, id))) pending.push(id);
      }
      if (pending.length > 0) {
        await this.progress(release, 'replacing', count, { replacing: pending.join(',') });
        for (const id of pending) {
          if (shouldStop()) return 'stopped';
          const fresh = await this.store.get(release.id);
          if (fresh === null) return 'done';
          if (fresh.abortRequested || pastDeadline(fresh)) return 'continue';
          if (fresh.paused) return this.waitWhilePaused(fresh, shouldStop);
          const outcome = await this.registry.replace(release.application, id, this.targetSpec(release, id));
          if (outcome.kind === 'ok') releaseMetrics().instancesReplaced.add(1, { reason: 'release' });
          if (outcome.kind === 'start-failed') {
            return this.beginRollback(
              release,
              failed('HEALTH_GATE_FAILED', `instance ${id} did not start on the new version; rolled back`, { 'gate.failed': 'startup', instance: id, reason: outcome.message, log: outcome.logTail }),
            );
          }
        }
      }
      const baseline = await this.readAll(release, batchIds);
      const restartsAtStart = Object.fromEntries((await this.instancesOf(release, batchIds)).map((i) => [i.instanceId, i.restarts]));
      const bake: BakeState = { ...EMPTY_BAKE, baseline, restartsAtStart };
      await this.store.update(release.id, { bakeStartedAt: new Date(), bake });
      return 'continue';
    }

    // Bake phase: probe until the bake time is over (or promote), then judge the gates.
    const bakeEnds = release.bakeStartedAt.getTime() + plan.bakeMs;
    let bake = release.bake ?? EMPTY_BAKE;
    await this.progress(release, 'baking', count, { bakeMs: String(plan.bakeMs) });
    for (;;) {
      if (shouldStop()) return 'stopped';
      const fresh = await this.store.get(release.id);
      if (fresh === null) return 'done';
      if (fresh.abortRequested || pastDeadline(fresh)) return 'continue';
      const round = await this.probeRound(release, batchIds);
      const crashes = crashesSince(bake, round.restarts);
      bake = { ...bake, probes: bake.probes + round.probes, healthy: bake.healthy + round.healthy, lastFailures: [...bake.lastFailures, ...round.failures].slice(-5), crashes };
      await this.store.update(release.id, { bake });
      // A crash already decides the bake: no need to wait for the end of it.
      if (fresh.promoteRequested || Date.now() >= bakeEnds || crashes > (plan.gates.maxCrashes ?? 0)) break;
      await sleep(Math.max(0, Math.min(plan.probeIntervalMs, bakeEnds - Date.now())));
    }
    const verdict = evaluateGates(plan.gates, bake, await this.readAll(release, batchIds));
    const details: Record<string, string> = { ...measurementDetails(verdict, bake), batch: String(release.batchIndex + 1), batches: String(plan.counts.length), instancesOnNewVersion: String(count) };
    releaseMetrics().batchesJudged.add(1, { verdict: verdict.passed ? 'passed' : 'failed', gate: details['gate.failed'] ?? '' });
    if (!verdict.passed) {
      this.logger.warn({ release: release.id, batch: release.batchIndex + 1, failed: details['gate.failed'] }, 'release gate failed');
      const message = `gate ${details['gate.failed']} failed in batch ${release.batchIndex + 1} of ${plan.counts.length}; rolled back`;
      if (!plan.autoRollback) return this.finish(release, failed('HEALTH_GATE_FAILED', message.replace('; rolled back', '; not rolled back (autoRollback off)'), details));
      return this.beginRollback(release, failed('HEALTH_GATE_FAILED', message, details));
    }
    const passed = await this.dataSource.transaction(async (tx) => {
      const next = await this.store.update(release.id, { batchIndex: release.batchIndex + 1, bakeStartedAt: null, bake: null, promoteRequested: false }, tx);
      await this.publishProgress(tx, next, 'batch-passed', count, details);
      return next;
    });
    const afterBatch = await this.store.get(passed.id);
    if (afterBatch !== null && afterBatch.paused && afterBatch.batchIndex < plan.counts.length) return this.waitWhilePaused(afterBatch, shouldStop);
    return 'continue';
  }

  private async waitWhilePaused(release: ReleaseRecord, shouldStop: StopSignal): Promise<Step> {
    await this.progress(release, 'paused', null, {});
    for (;;) {
      if (shouldStop()) return 'stopped';
      const fresh = await this.store.get(release.id);
      if (fresh === null) return 'done';
      if (!fresh.paused || fresh.abortRequested || pastDeadline(fresh)) return 'continue';
      await sleep(Math.min(200, this.config.RELEASE_WORKER_POLL_MS));
    }
  }

  // ---------------------------------------------------------------- probes

  private async fetchText(url: string, timeoutMs: number): Promise<{ ok: boolean; status: number; text: string } | { ok: false; status: 0; text: string }> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      return { ok: res.ok, status: res.status, text: await res.text() };
    } catch (error) {
      return { ok: false, status: 0, text: error instanceof Error ? error.message : String(error) };
    }
  }

  private async instancesOf(release: ReleaseRecord, ids: readonly string[]): Promise<RuntimeInstance[]> {
    const wanted = new Set(ids);
    return (await this.registry.list(release.application)).filter((i) => wanted.has(i.instanceId));
  }

  private async probeRound(release: ReleaseRecord, ids: readonly string[]): Promise<{ probes: number; healthy: number; failures: string[]; restarts: Record<string, number> }> {
    const plan = release.plan as PreparedPlan;
    const instances = await this.instancesOf(release, ids);
    const timeout = Math.max(200, Math.min(2_000, plan.probeIntervalMs * 2));
    const results = await Promise.all(
      ids.map(async (id) => {
        const instance = instances.find((i) => i.instanceId === id);
        if (instance?.address === null || instance === undefined) return `${id}: not running`;
        const res = await this.fetchText(`http://${instance.address}${plan.healthPath}`, timeout);
        return res.ok ? null : `${id}: ${res.status === 0 ? res.text : `HTTP ${res.status}`}`;
      }),
    );
    const failures = results.filter((r): r is string => r !== null);
    const restarts = Object.fromEntries(instances.map((i) => [i.instanceId, i.restarts]));
    return { probes: ids.length, healthy: ids.length - failures.length, failures, restarts };
  }

  private async readAll(release: ReleaseRecord, ids: readonly string[]): Promise<Record<string, MetricsReading>> {
    const plan = release.plan as PreparedPlan;
    const requests = parseSelector(plan.metrics.requests);
    const errors = parseSelector(plan.metrics.errors);
    const latency = parseSelector(plan.metrics.latency);
    const out: Record<string, MetricsReading> = {};
    for (const instance of await this.instancesOf(release, ids)) {
      if (instance.address === null) continue;
      const res = await this.fetchText(`http://${instance.address}${plan.metricsPath}`, 2_000);
      if (!res.ok) continue;
      const samples = parsePrometheusText(res.text);
      out[instance.instanceId] = {
        requests: requests === null ? null : sumOf(samples, requests),
        errors: errors === null ? null : sumOf(samples, errors),
        latencySum: latency === null ? null : sumOf(samples, withSuffix(latency, '_sum')),
        latencyCount: latency === null ? null : sumOf(samples, withSuffix(latency, '_count')),
        latencyBuckets: latency === null ? null : bucketsOf(samples, latency),
      };
    }
    return out;
  }

  // ---------------------------------------------------------------- rollback and results

  private async beginRollback(release: ReleaseRecord, result: StoredResult): Promise<Step> {
    await this.store.update(release.id, { status: 'rolling_back', result });
    await this.progress(release, 'rolling-back', null, { reason: result.message });
    return 'continue';
  }

  /** Puts every instance back on what it ran before the release (instances the release started are stopped). */
  private async rollBack(release: ReleaseRecord, shouldStop: StopSignal): Promise<Step> {
    const plan = release.plan;
    const previous = release.previous ?? {};
    const ids = new Set([...(plan?.order ?? []), ...Object.keys(previous)]);
    for (const id of ids) {
      if (shouldStop()) return 'stopped';
      const before = previous[id];
      if (before === undefined) {
        await this.registry.stop(release.application, id);
        continue;
      }
      const outcome = await this.registry.replace(release.application, id, before);
      if (outcome.kind === 'ok') releaseMetrics().instancesReplaced.add(1, { reason: 'rollback' });
      if (outcome.kind === 'start-failed') {
        this.logger.error({ release: release.id, instance: id, reason: outcome.message }, 'rollback could not restart the previous version');
        return this.finish(release, failed('INTERNAL', `rollback failed: instance ${id} did not start on the previous version`, { ...(release.result?.details ?? {}), rollbackFailed: id }));
      }
    }
    const result = release.result ?? failed('INTERNAL', 'rolled back');
    return this.finish(release, { ...result, details: { ...result.details, rolledBack: [...ids].join(',') } });
  }

  private async succeed(release: ReleaseRecord): Promise<Step> {
    const target = release.target as ReleaseTarget;
    const plan = release.plan as PreparedPlan;
    return this.finish(release, {
      outcome: 'SUCCEEDED',
      errorClass: null,
      message: `${release.application} runs ${target.version} on ${plan.order.length} instance(s)`,
      details: { version: target.version, commit: target.commit ?? '', agentVersion: target.agentVersion ?? '', instances: plan.order.join(',') },
    });
  }

  /** Ends the release: status, stored result and the StepResult in one transaction. */
  private async finish(release: ReleaseRecord, result: StoredResult): Promise<Step> {
    const status = result.outcome === 'SUCCEEDED' ? 'succeeded' : result.outcome === 'ABORTED' ? 'aborted' : 'failed';
    // While the release is still active, so no next release of the application builds meanwhile.
    await this.pruneBuilds(release);
    await this.dataSource.transaction(async (tx) => {
      const done = await this.store.update(release.id, { status, result }, tx);
      await this.publishResult(tx, done, result);
    });
    releaseMetrics().releasesFinished.add(1, { outcome: result.outcome, error_class: result.errorClass ?? '' });
    releaseMetrics().releaseDuration.record((Date.now() - release.createdAt.getTime()) / 1000, { outcome: result.outcome });
    this.logger.info({ release: release.id, outcome: result.outcome, errorClass: result.errorClass }, 'release finished');
    return 'done';
  }

  /**
   * Removes the builds (checkouts) of the application no instance runs anymore, keeping the ones its
   * instances run now (or are being replaced with) and the ones they ran before this release (what a
   * rollback goes back to).
   * Best effort: a failure is logged, the release result stands.
   */
  private async pruneBuilds(release: ReleaseRecord): Promise<void> {
    try {
      const instances = await this.registry.list(release.application);
      const keep = new Set<string>([
        ...instances.flatMap((i) => [i.location, ...(i.target === null ? [] : [i.target.location])]),
        ...Object.values(release.previous ?? {}).map((p) => p.location),
      ]);
      const removed = await this.driver.prune(release.application, [...keep]);
      if (removed.length > 0) this.logger.info({ release: release.id, application: release.application, removed: removed.length }, 'old builds removed');
    } catch (error) {
      this.logger.warn({ err: error, release: release.id }, 'old builds could not be removed');
    }
  }

  async publishResult(tx: SqlExecutor, release: ReleaseRecord, result: StoredResult): Promise<void> {
    await this.outbox.add(tx, {
      topic: this.config.STEP_RESULTS_TOPIC,
      key: release.runId,
      eventType: EVENT_TYPES.stepResult,
      value: stepResultOf(release, { outcome: result.outcome, errorClass: result.errorClass, message: result.message, details: result.details }),
    });
  }

  private async publishProgress(tx: SqlExecutor, release: ReleaseRecord, phase: string, onNewVersion: number | null, details: Record<string, string>): Promise<void> {
    const plan = release.plan;
    const total = plan?.order.length ?? null;
    await this.outbox.add(tx, {
      topic: this.config.STEP_RESULTS_TOPIC,
      key: release.runId,
      eventType: EVENT_TYPES.stepResult,
      value: stepResultOf(release, {
        outcome: 'PROGRESS',
        message: `${phase}${plan === null ? '' : ` (batch ${Math.min(release.batchIndex + 1, plan.counts.length)} of ${plan.counts.length})`}`,
        details: { phase, batch: String(release.batchIndex + 1), ...details },
        progress: {
          phase,
          percent: onNewVersion === null || total === null || total === 0 ? null : Math.round((onNewVersion / total) * 100),
          completed: plan === null ? null : release.batchIndex,
          total: plan === null ? null : plan.counts.length,
        },
      }),
    });
  }

  private async progress(release: ReleaseRecord, phase: string, onNewVersion: number | null, details: Record<string, string>): Promise<void> {
    await this.dataSource.transaction((tx) => this.publishProgress(tx, release, phase, onNewVersion, details));
  }
}
