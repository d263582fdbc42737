import { ERROR_CLASS_POLICY, type ErrorClass, type StageName } from '@shipshape/contracts';

/** Stages a pipeline may list (the release stages are dispatched by the ledger, never listed). */
export const PIPELINE_STAGES = ['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect'] as const satisfies readonly StageName[];
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export const RELEASE_STAGES = ['branch-release', 'env-release'] as const satisfies readonly StageName[];
export type ReleaseStage = (typeof RELEASE_STAGES)[number];

export const TASK_KINDS = ['component', 'sidecar'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const APPROVAL_POLICIES = ['automatic', 'manual'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

export function isPipelineStage(value: string): value is PipelineStage {
  return (PIPELINE_STAGES as readonly string[]).includes(value);
}

export function isReleaseStage(value: string): value is ReleaseStage {
  return (RELEASE_STAGES as readonly string[]).includes(value);
}

/** Retry policy of a stage (Temporal-style): delay = min(initial * coefficient^(attempt-1), max). */
export interface RetryPolicy {
  readonly initialIntervalMs: number;
  readonly coefficient: number;
  readonly maxIntervalMs: number;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Classes never retried here, in addition to those ERROR_CLASS_POLICY marks not retryable. */
  readonly nonRetryable: readonly ErrorClass[];
}

export interface StageSpec {
  readonly name: PipelineStage;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Steps of this stage running at once across all tasks; null: no stage limit. */
  readonly concurrency: number | null;
  /** How many hooks run before / after the stage's step (their definitions stay in the task spec); absent: none. */
  readonly hooks?: StageHookCounts;
}

export const HOOK_PHASES = ['before', 'after'] as const;
export type HookPhase = (typeof HOOK_PHASES)[number];
export type StageHookCounts = Readonly<Record<HookPhase, number>>;

/** Deterministic hook id: the hook `index` of `phase` around the step `stepId` (one attempt of a stage). */
export function hookIdFor(stepId: string, phase: HookPhase, index: number): string {
  return `${stepId}:${phase}:${index}`;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialIntervalMs: 1_000, coefficient: 2, maxIntervalMs: 60_000, maxAttempts: 3, nonRetryable: [] };

/** Default stage deadlines: building and testing take longest, a gray release observes for a while. */
export const DEFAULT_STAGE_TIMEOUT_MS: Record<PipelineStage, number> = {
  change: 10 * 60_000,
  'test-deploy': 20 * 60_000,
  'test-verify': 30 * 60_000,
  review: 5 * 60_000,
  merge: 5 * 60_000,
  release: 60 * 60_000,
  detect: 10 * 60_000,
};

export const DEFAULT_STAGE_LISTS = {
  component: ['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect'],
  sidecar: ['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect'],
  'dry-run': ['change', 'test-deploy', 'test-verify'],
} as const satisfies Record<TaskKind | 'dry-run', readonly PipelineStage[]>;

export function defaultStageSpec(name: PipelineStage): StageSpec {
  return { name, timeoutMs: DEFAULT_STAGE_TIMEOUT_MS[name], retry: DEFAULT_RETRY_POLICY, concurrency: null };
}

export function defaultPipeline(kind: TaskKind | 'dry-run'): StageSpec[] {
  return DEFAULT_STAGE_LISTS[kind].map(defaultStageSpec);
}

/**
 * Which pipeline stages still need a resource kind while they have not run. A held resource whose
 * kind no remaining stage needs is released at once; unknown kinds are kept until the run ends.
 */
export const RESOURCE_NEEDED_BY: Readonly<Record<string, readonly PipelineStage[]>> = {
  branch: ['change', 'test-deploy', 'test-verify', 'review', 'merge'],
  'merge-request': ['review', 'merge'],
  'test-environment': ['test-deploy', 'test-verify'],
  'canary-instance': ['release'],
};

/** The step that gives a resource kind back (served per STAGE_SERVICE); null: the acquiring stage gives it back itself. */
export function releaseStageFor(kind: string): ReleaseStage | null {
  switch (kind) {
    case 'branch':
    case 'merge-request':
      return 'branch-release';
    case 'test-environment':
      return 'env-release';
    default:
      return null;
  }
}

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false; readonly reason: string };

/** Whether a failed attempt is retried and after how long, from the class defaults and the stage policy. */
export function retryDecision(policy: RetryPolicy, errorClass: ErrorClass, attempt: number, retryAfterMs: number | null): RetryDecision {
  const classPolicy: { retryable: boolean; maxAttempts?: number } = ERROR_CLASS_POLICY[errorClass];
  if (!classPolicy.retryable) return { retry: false, reason: `${errorClass} is not retryable` };
  if (policy.nonRetryable.includes(errorClass)) return { retry: false, reason: `${errorClass} is not retryable in this stage's policy` };
  const max = Math.min(policy.maxAttempts, classPolicy.maxAttempts ?? Number.POSITIVE_INFINITY);
  if (attempt >= max) return { retry: false, reason: `attempt ${attempt} of ${max}: retries exhausted` };
  const backoff = Math.min(policy.initialIntervalMs * policy.coefficient ** (attempt - 1), policy.maxIntervalMs);
  return { retry: true, delayMs: Math.max(backoff, retryAfterMs ?? 0) };
}

/** Deterministic step id from (run, stage, attempt). */
export function stepIdFor(runId: string, stage: StageName, attempt: number): string {
  return `${runId}:${stage}:${attempt}`;
}
