import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvironmentDriver, EnvironmentSpec, PhaseFailure, PhaseListener, PhaseReport } from './environment.types';
import { environmentIdFor, type EnvironmentStore, type StoredEnvironment } from './environment.store';
import { ownerAlive } from './process-group';

export interface EnvironmentManagerOptions {
  /** Workspaces go to <root>/workspaces/<id>, logs to <root>/logs/<id> (kept after teardown). */
  readonly root: string;
  readonly maxConcurrent: number;
  readonly ttlSeconds: number;
  /** This process as an owner (see currentOwner). */
  readonly owner: string;
}

export type DeployResult =
  /** Only with `wait: false`: no slot free yet (or another live process is deploying it); ask again later. */
  | { readonly outcome: 'queued'; readonly env: StoredEnvironment }
  | { readonly outcome: 'ready'; readonly env: StoredEnvironment; readonly phases: readonly PhaseReport[]; readonly reused: boolean }
  | { readonly outcome: 'failed'; readonly env: StoredEnvironment; readonly failure: PhaseFailure; readonly phases: readonly PhaseReport[] };

export type VerifyResult =
  | { readonly outcome: 'passed'; readonly env: StoredEnvironment; readonly phases: readonly PhaseReport[]; readonly flaky: PhaseFailure | null; readonly command: string | null }
  | { readonly outcome: 'failed'; readonly env: StoredEnvironment; readonly failure: PhaseFailure; readonly phases: readonly PhaseReport[] }
  | { readonly outcome: 'missing'; readonly envId: string };

function cpu(phases: readonly PhaseReport[], phase: PhaseReport['phase']): number | null {
  const values = phases.filter((p) => p.phase === phase && p.cpuSeconds !== null).map((p) => p.cpuSeconds ?? 0);
  return values.length === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) * 1000) / 1000;
}

/** Environments as a platform: queue and limit, idempotent deploys, verify, release; the driver does the work. */
export class EnvironmentManager {
  constructor(
    private readonly store: EnvironmentStore,
    private readonly driver: EnvironmentDriver,
    private readonly options: EnvironmentManagerOptions,
  ) {}

  /**
   * Deploys the environment of a deploy step; a repeated call with the same step id finds it (ready or
   * failed). With `wait: false` it returns `queued` instead of waiting for a slot, so a worker is never
   * held by the queue (it would starve the releases that free the slots).
   */
  async deploy(stepId: string, runId: string, spec: EnvironmentSpec, options: { readonly wait?: boolean; readonly onPhase?: PhaseListener } = {}): Promise<DeployResult> {
    const wait = options.wait ?? true;
    const id = environmentIdFor(stepId);
    const { env, created } = await this.store.findOrCreate(id, {
      stepId,
      runId,
      driver: this.driver.name,
      owner: this.options.owner,
      workspace: join(this.options.root, 'workspaces', id),
      logDir: join(this.options.root, 'logs', id),
      spec,
      ttlSeconds: this.options.ttlSeconds,
    });
    if (!created) {
      const settled = await this.settle(env, wait);
      if (settled === 'busy') return { outcome: 'queued', env };
      if (settled.state === 'ready') return { outcome: 'ready', env: settled, phases: [], reused: true };
      if (settled.failure) return { outcome: 'failed', env: settled, failure: settled.failure, phases: [] };
    }

    if (wait) await this.store.acquireSlot(id, this.options.maxConcurrent);
    else if (!(await this.store.tryAcquireSlot(id, this.options.maxConcurrent))) return { outcome: 'queued', env: (await this.store.find(id)) ?? env };
    const current = (await this.store.find(id)) ?? env;
    const outcome = await this.driver.deploy(current, options.onPhase);
    const usage = { buildCpuSeconds: cpu(outcome.phases, 'build') };
    if (outcome.ok) {
      await this.store.markReady(id, outcome.port, usage);
      const ready = await this.store.find(id);
      return { outcome: 'ready', env: ready ?? current, phases: outcome.phases, reused: false };
    }
    // A failed deploy frees its slot at once: processes killed and workspace deleted; logs and failure stay.
    const afterFailure = await this.store.find(id);
    await this.driver.teardown(afterFailure ?? current);
    await this.store.markFailed(id, outcome.failure, usage);
    return { outcome: 'failed', env: (await this.store.find(id)) ?? current, failure: outcome.failure, phases: outcome.phases };
  }

  /**
   * An environment already there from an earlier run of the step. Ready or failed: that is the answer.
   * Waiting: this caller takes it over (nothing runs yet). Provisioning by a live other process: wait
   * (or `busy`); by this process or a dead one: tear down what it started and take over. Released without
   * a failure (reaped mid-deploy): take over and deploy again.
   */
  private async settle(env: StoredEnvironment, wait: boolean): Promise<StoredEnvironment | 'busy'> {
    let current = env;
    for (;;) {
      const takeOver = async (): Promise<StoredEnvironment> => {
        await this.driver.teardown(current);
        await this.store.takeOver(current.id, this.options.owner);
        return { ...current, state: 'waiting', owner: this.options.owner, processGroups: [] };
      };
      switch (current.state) {
        case 'ready':
        case 'failed':
          return current;
        case 'waiting':
          return takeOver();
        case 'released':
          return current.failure ? current : takeOver();
        case 'provisioning':
          if (current.owner === this.options.owner || !ownerAlive(current.owner)) return takeOver();
          if (!wait) return 'busy';
          await sleep(500);
          current = (await this.store.find(current.id)) ?? current;
          break;
        default: {
          const never: never = current.state;
          throw new Error(`unknown environment state ${String(never)}`);
        }
      }
    }
  }

  /** Runs the tests (testCommand overrides the deployed spec's) and smoke requests on a ready environment. */
  async verify(
    envId: string,
    overrides: Partial<Pick<EnvironmentSpec, 'flakyRetries'>> = {},
    testCommand: string | null = null,
    onPhase?: PhaseListener,
  ): Promise<VerifyResult> {
    const env = await this.store.find(envId);
    if (!env || env.state !== 'ready') return { outcome: 'missing', envId };
    const commands = testCommand === null ? env.spec.commands : { ...env.spec.commands, test: testCommand };
    const effective = { ...env, spec: { ...env.spec, ...overrides, commands } };
    const outcome = await this.driver.verify(effective, onPhase);
    const usage = { testCpuSeconds: cpu(outcome.phases, 'test') };
    await this.store.addUsage(envId, usage);
    const after = (await this.store.find(envId)) ?? env;
    if (outcome.ok) return { outcome: 'passed', env: after, phases: outcome.phases, flaky: outcome.flaky, command: outcome.command ?? null };
    return { outcome: 'failed', env: after, failure: outcome.failure, phases: outcome.phases };
  }

  /** Tears the environment down (idempotent); returns its lifetime in seconds, null when unknown. */
  async release(envId: string): Promise<{ readonly found: boolean; readonly environmentSeconds: number | null }> {
    const env = await this.store.find(envId);
    if (!env) return { found: false, environmentSeconds: null };
    await this.driver.teardown(env);
    return { found: true, environmentSeconds: await this.store.markReleased(envId) };
  }
}
