import { randomUUID } from 'node:crypto';
import { TEST_VERIFY_DETAILS, type ResourceInput, type StepCommand, type StepResultInput } from '@shipshape/contracts';
import { summarizeTestLog } from '../classification';
import type { EnvironmentManager, VerifyResult } from '../environments/environment.manager';
import { readPhaseLog } from '../environments/local.driver';
import type { StoredEnvironment } from '../environments/environment.store';
import type { PhaseFailure, PhaseListener } from '../environments/environment.types';
import { buildEnvironmentSpec } from './environment-spec.builder';

export const SERVED_STAGES = ['test-deploy', 'test-verify', 'env-release'] as const;
export type ServedStage = (typeof SERVED_STAGES)[number];

export function isServedStage(stage: string): stage is ServedStage {
  return (SERVED_STAGES as readonly string[]).includes(stage);
}

export const ENVIRONMENT_RESOURCE_KIND = 'test-environment';
export const SERVICE_NAME = 'test-env-service';

type Outcome = Omit<StepResultInput, 'eventId' | 'stepId' | 'runId' | 'taskId' | 'stage' | 'attempt' | 'service' | 'occurredAt'>;

/** The result envelope of a step: identity from the command, the rest from the outcome. */
export function resultOf(cmd: StepCommand, outcome: Outcome): StepResultInput {
  return {
    eventId: randomUUID(),
    stepId: cmd.stepId,
    runId: cmd.runId,
    taskId: cmd.taskId,
    stage: cmd.stage,
    attempt: cmd.attempt,
    service: SERVICE_NAME,
    occurredAt: Date.now(),
    ...outcome,
  };
}

export function invalidInput(problems: readonly string[]): Outcome {
  return { outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: problems.join('; '), details: { problems: problems.join('\n') } };
}

/** The test results of a passed verify for the merge request (TEST_VERIFY_DETAILS): command, counts of the last run, its duration. */
async function testDetails(result: Extract<VerifyResult, { outcome: 'passed' }>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (result.command) out[TEST_VERIFY_DETAILS.command] = result.command;
  const last = result.phases.filter((p) => p.phase === 'test').at(-1);
  if (last) out[TEST_VERIFY_DETAILS.durationMs] = String(last.durationMs);
  const counts = summarizeTestLog((await readPhaseLog(result.env.logDir, 'test')) ?? '');
  if (counts) {
    out[TEST_VERIFY_DETAILS.passed] = String(counts.passed);
    out[TEST_VERIFY_DETAILS.failed] = String(counts.failed);
    out[TEST_VERIFY_DETAILS.skipped] = String(counts.skipped);
  }
  return out;
}

function logsPath(envId: string, phase: string): string {
  return `/api/environments/${envId}/logs/${phase}`;
}

function failed(env: StoredEnvironment | null, failure: PhaseFailure, durationMs: number): Outcome {
  const c = failure.classification;
  const details: Record<string, string> = { phase: failure.phase, signature: c.signature, logTail: failure.logTail };
  if (c.failingTests.length > 0) details['failingTests'] = c.failingTests.join('\n');
  if (c.compilerErrors.length > 0) details['compilerErrors'] = c.compilerErrors.join('\n');
  if (env) {
    details['environmentId'] = env.id;
    details['logs'] = logsPath(env.id, failure.phase);
  }
  const named = c.failingTests[0] ?? c.compilerErrors[0];
  return {
    outcome: 'FAILED',
    errorClass: c.errorClass,
    message: named ? `${c.summary}: ${named}` : c.summary,
    details,
    usage: usageOf(env, durationMs),
  };
}

function usageOf(env: StoredEnvironment | null, durationMs: number): NonNullable<Outcome['usage']> {
  const metrics: Record<string, number> = {};
  const u = env?.usage;
  if (u?.buildCpuSeconds != null) metrics['buildCpuSeconds'] = u.buildCpuSeconds;
  if (u?.testCpuSeconds != null) metrics['testCpuSeconds'] = u.testCpuSeconds;
  const envSeconds = u?.environmentSeconds ?? (env ? (Date.now() - env.createdAt.getTime()) / 1000 : null);
  if (envSeconds !== null) metrics['environmentSeconds'] = Math.round(envSeconds * 1000) / 1000;
  const cpu = (u?.buildCpuSeconds ?? 0) + (u?.testCpuSeconds ?? 0);
  return { durationMs, cpuMillis: u && (u.buildCpuSeconds !== null || u.testCpuSeconds !== null) ? Math.round(cpu * 1000) : null, metrics };
}

function environmentResource(env: StoredEnvironment): ResourceInput {
  return {
    kind: ENVIRONMENT_RESOURCE_KIND,
    id: env.id,
    attributes: { driver: env.driver, url: `http://127.0.0.1:${env.port ?? 0}`, application: env.spec.application, gitRef: env.spec.gitRef },
  };
}

/** The environment a verify or release step works on: parameters.testEnv.environmentId, else the ledger. */
function environmentIds(cmd: StepCommand): string[] {
  const fromLedger = cmd.resources.filter((r) => r.kind === ENVIRONMENT_RESOURCE_KIND).map((r) => r.id);
  const explicit = cmd.parameters.testEnv?.environmentId;
  return [...new Set([...(explicit ? [explicit] : []), ...fromLedger])];
}

/** Executes one accepted step against the environment manager; expected failures are results, not throws. */
export interface StepExecutorOptions {
  /** Base URL humans reach this service at; when set, results link the relevant phase log. */
  readonly publicUrl: string | null;
}

export class StepExecutor {
  constructor(
    private readonly manager: EnvironmentManager,
    private readonly options: StepExecutorOptions = { publicUrl: null },
  ) {}

  /** Links the log named in details.logs (StepResult v2 `links`). */
  private withLinks(outcome: Outcome): Outcome {
    const path = outcome.details?.['logs'];
    if (!this.options.publicUrl || !path) return outcome;
    const phase = path.slice(path.lastIndexOf('/') + 1);
    return { ...outcome, links: [{ label: `${phase} log`, url: `${this.options.publicUrl.replace(/\/+$/, '')}${path}` }] };
  }

  /** The step's result, or `requeue` when a deploy must wait for a slot (the worker asks again later). */
  async execute(cmd: StepCommand, onPhase?: PhaseListener): Promise<StepResultInput | 'requeue'> {
    const started = Date.now();
    if (!isServedStage(cmd.stage)) return resultOf(cmd, invalidInput([`stage: "${cmd.stage}" is not served by ${SERVICE_NAME}`]));
    const stage: ServedStage = cmd.stage;
    switch (stage) {
      case 'test-deploy': {
        const outcome = await this.deploy(cmd, started, onPhase);
        return outcome === 'requeue' ? outcome : resultOf(cmd, this.withLinks(outcome));
      }
      case 'test-verify':
        return resultOf(cmd, this.withLinks(await this.verify(cmd, started, onPhase)));
      case 'env-release':
        return resultOf(cmd, await this.release(cmd, started));
      default: {
        const never: never = stage;
        throw new Error(`unhandled stage ${String(never)}`);
      }
    }
  }

  private async deploy(cmd: StepCommand, started: number, onPhase?: PhaseListener): Promise<Outcome | 'requeue'> {
    const built = buildEnvironmentSpec(cmd);
    if (!built.ok) return invalidInput(built.problems);
    const result = await this.manager.deploy(cmd.stepId, cmd.runId, built.spec, { wait: false, onPhase });
    if (result.outcome === 'queued') return 'requeue';
    if (result.outcome === 'failed') return failed(result.env, result.failure, Date.now() - started);
    return {
      outcome: 'SUCCEEDED',
      message: result.reused ? 'environment already deployed by this step' : 'environment deployed and healthy',
      acquired: [environmentResource(result.env)],
      details: { environmentId: result.env.id, port: String(result.env.port), logs: logsPath(result.env.id, 'build') },
      usage: usageOf(result.env, Date.now() - started),
    };
  }

  private async verify(cmd: StepCommand, started: number, onPhase?: PhaseListener): Promise<Outcome> {
    const [envId] = environmentIds(cmd);
    if (!envId) return invalidInput(['parameters.testEnv.environmentId: no environment given and none in the resource ledger']);
    const testEnv = cmd.parameters.testEnv;
    const overrides = testEnv ? { flakyRetries: testEnv.flakyRetries } : {};
    const result = await this.manager.verify(envId, overrides, testEnv?.testCommand ?? null, onPhase);
    switch (result.outcome) {
      case 'missing':
        return invalidInput([`parameters.testEnv.environmentId: environment ${envId} is not ready (released, failed or unknown)`]);
      case 'failed':
        return failed(result.env, result.failure, Date.now() - started);
      case 'passed': {
        // Passed only on re-run: TEST_FLAKY, a retryable failure naming the flaky tests.
        if (result.flaky) {
          const outcome = failed(result.env, result.flaky, Date.now() - started);
          return { ...outcome, details: { ...outcome.details, rerun: 'passed' } };
        }
        const metrics = result.phases.filter((p) => p.phase === 'smoke').length;
        return {
          outcome: 'SUCCEEDED',
          message: 'tests passed',
          details: { environmentId: envId, logs: logsPath(envId, 'test'), smokeRequests: String(metrics), ...(await testDetails(result)) },
          usage: usageOf(result.env, Date.now() - started),
        };
      }
      default: {
        const never: never = result;
        throw new Error(`unhandled verify outcome ${JSON.stringify(never)}`);
      }
    }
  }

  private async release(cmd: StepCommand, started: number): Promise<Outcome> {
    const released: ResourceInput[] = [];
    let environmentSeconds = 0;
    for (const id of environmentIds(cmd)) {
      const result = await this.manager.release(id);
      // Unknown ids are released too (nothing to do): releasing is idempotent.
      released.push({ kind: ENVIRONMENT_RESOURCE_KIND, id, attributes: { found: String(result.found) } });
      environmentSeconds += result.environmentSeconds ?? 0;
    }
    return {
      outcome: 'SUCCEEDED',
      message: released.length === 0 ? 'no test environment to release' : `released ${released.length} test environment(s)`,
      released,
      usage: { durationMs: Date.now() - started, cpuMillis: null, metrics: { environmentSeconds: Math.round(environmentSeconds * 1000) / 1000 } },
    };
  }
}
