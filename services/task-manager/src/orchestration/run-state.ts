import type { ErrorClass, LifecycleScope, LifecycleTransition, Resource, Severity, StageName } from '@shipshape/contracts';
import type { ApprovalPolicy, HookPhase, PipelineStage, ReleaseStage, StageSpec } from './pipeline';

export const RUN_STATUSES = ['pending', 'running', 'awaiting-approval', 'succeeded', 'failed', 'aborted', 'not-applicable'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses after which nothing is dispatched for the pipeline (release steps may still be in flight). */
export const FINISHED_RUN_STATUSES = ['succeeded', 'failed', 'aborted', 'not-applicable'] as const satisfies readonly RunStatus[];

export const STAGE_STATUSES = ['pending', 'running', 'waiting-retry', 'succeeded', 'failed', 'skipped'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export interface StageState {
  readonly name: PipelineStage;
  readonly status: StageStatus;
  /** Last dispatched attempt (0: never dispatched). Attempts keep counting across restarts so step ids stay unique. */
  readonly attempt: number;
  /** Step id of the attempt in flight or last finished. */
  readonly stepId: string | null;
  readonly lastErrorClass: ErrorClass | null;
  readonly lastMessage: string | null;
  /** The hook running around the stage's step while status is `running` (before: not dispatched yet; after: it succeeded). */
  readonly hook?: HookInFlight | null;
}

export interface HookInFlight {
  readonly phase: HookPhase;
  readonly index: number;
  readonly hookId: string;
  /** After hooks: the message of the step that succeeded, for when they are all done. */
  readonly stepMessage: string | null;
}

export const LEDGER_STATUSES = ['held', 'releasing', 'released', 'release-failed'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

export interface LedgerEntry {
  readonly kind: string;
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly acquiredBy: StageName;
  readonly status: LedgerStatus;
  readonly releaseStepId: string | null;
}

/** What the machine needs to know about the run's definition (copied from the task when the run is created). */
export interface RunDefinition {
  readonly stages: readonly StageSpec[];
  readonly approval: ApprovalPolicy;
  readonly dryRun: boolean;
}

export interface RunState {
  readonly runId: string;
  readonly status: RunStatus;
  readonly paused: boolean;
  readonly definition: RunDefinition;
  readonly stages: readonly StageState[];
  readonly ledger: readonly LedgerEntry[];
  /** Release steps dispatched per release stage (their attempt numbers). */
  readonly releaseSeq: Readonly<Record<ReleaseStage, number>>;
  /**
   * Manual actions taken on the run (every control but the approval a manual-approval policy asks for: retry,
   * skip, abort, restart, pause, resume, and each release control sent); a run with none and no retries is one-shot.
   */
  readonly manualActions: number;
  readonly retries: number;
  /**
   * The commit the merge stage produced (its `details.mergedCommit`): release and detect work on exactly
   * it. Absent in states stored before it existed, null until the merge succeeds.
   */
  readonly mergedCommit?: string | null;
  /** What the last successful test-verify reported (for the merge request description); absent or null: none yet. */
  readonly testResults?: TestResults | null;
}

/** A successful test-verify's results, from its StepResult details and link (contracts TEST_VERIFY_DETAILS). */
export interface TestResults {
  readonly command: string | null;
  readonly passed: string | null;
  readonly failed: string | null;
  readonly skipped: string | null;
  readonly durationMs: string | null;
  readonly environmentId: string | null;
  /** The first link of the result (the test log). */
  readonly url: string | null;
}

/** A step result as the machine sees it (from StepResult). */
export interface StepResultEvent {
  readonly type: 'step-result';
  readonly stepId: string;
  readonly stage: string;
  readonly attempt: number;
  readonly outcome: 'SUCCEEDED' | 'FAILED' | 'PROGRESS';
  readonly errorClass: ErrorClass | null;
  readonly message: string | null;
  readonly acquired: readonly Resource[];
  readonly released: readonly Resource[];
  readonly retryAfterMs: number | null;
  /** The result's details (the merge stage's `mergedCommit`); absent: none. */
  readonly details?: Readonly<Record<string, string>>;
  /** The result's links (the test log of test-verify); absent: none. */
  readonly links?: ReadonlyArray<{ readonly label: string; readonly url: string }>;
}

/** A stage hook's outcome, recorded by the hooks worker. */
export interface HookResultEvent {
  readonly type: 'hook-result';
  readonly hookId: string;
  readonly outcome: 'SUCCEEDED' | 'FAILED';
  readonly errorClass: ErrorClass | null;
  readonly message: string | null;
}

export const CONTROL_TYPES = ['retry-stage', 'skip-stage', 'abort', 'restart', 'approve', 'pause', 'resume', 'release-control'] as const;
export type ControlType = (typeof CONTROL_TYPES)[number];

export type ControlEvent =
  | { readonly type: 'retry-stage'; readonly stage?: PipelineStage }
  | { readonly type: 'skip-stage'; readonly stage: PipelineStage }
  | { readonly type: 'abort'; readonly reason?: string }
  | { readonly type: 'restart' }
  | { readonly type: 'approve'; readonly by?: string }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  /** A control sent to the gray release in progress (release-service applies it; `commandId` is the StepCommand's eventId). */
  | { readonly type: 'release-control'; readonly control: ReleaseControl; readonly commandId: string };

/** Controls of a gray release in progress, sent to release-service as StepCommand.control. */
export const RELEASE_CONTROLS = ['pause', 'resume', 'promote', 'abort'] as const;
export type ReleaseControl = (typeof RELEASE_CONTROLS)[number];

export type RunEventInput =
  | { readonly type: 'start' }
  | StepResultEvent
  | HookResultEvent
  | { readonly type: 'deadline-passed'; readonly stepId: string }
  | { readonly type: 'retry-due'; readonly stage: PipelineStage; readonly attempt: number }
  | { readonly type: 'control'; readonly control: ControlEvent };

export interface DispatchEffect {
  readonly kind: 'dispatch';
  readonly stepId: string;
  readonly stage: StageName;
  readonly attempt: number;
  readonly timeoutMs: number;
  /** Ledger resources the step works on (the release steps: the ones to give back). */
  readonly resources: readonly Resource[];
  /** Retry after MERGE_CONFLICT: rebase first. */
  readonly rebase: boolean;
}

/** Run one stage hook (the hooks worker executes it, durable in run_hooks, and answers with a hook-result). */
export interface RunHookEffect {
  readonly kind: 'run-hook';
  readonly hookId: string;
  readonly stepId: string;
  readonly stage: PipelineStage;
  readonly attempt: number;
  readonly phase: HookPhase;
  readonly index: number;
}

export type Effect =
  | DispatchEffect
  | RunHookEffect
  | { readonly kind: 'cancel-hooks' }
  | { readonly kind: 'abandon-step'; readonly stepId: string }
  | { readonly kind: 'schedule-retry'; readonly stage: PipelineStage; readonly attempt: number; readonly delayMs: number }
  | { readonly kind: 'cancel-retries' }
  | {
      readonly kind: 'run-event';
      readonly scope: LifecycleScope;
      readonly transition: LifecycleTransition;
      readonly stage: StageName | null;
      readonly attempt: number | null;
      readonly stepId: string | null;
      readonly errorClass: ErrorClass | null;
      readonly message: string | null;
    }
  | { readonly kind: 'notify'; readonly severity: Severity; readonly title: string; readonly body: string };

export type EffectKind = Effect['kind'];

export type TransitionResult =
  | { readonly kind: 'applied'; readonly state: RunState; readonly effects: readonly Effect[] }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'refused'; readonly control: ControlType; readonly reason: string };
