import type { ErrorClass, StepCommand } from '@shipshape/contracts';
import type { InstanceSpec } from '../runtime/runtime.types';
import type { BakeState } from './gates';
import type { ReleasePlan } from './release-plan';

export const RELEASE_STATUSES = ['pending', 'running', 'rolling_back', 'succeeded', 'failed', 'aborted'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];
export const ACTIVE_STATUSES: readonly ReleaseStatus[] = ['pending', 'running', 'rolling_back'];
export const FINISHED_STATUSES: readonly ReleaseStatus[] = ['succeeded', 'failed', 'aborted'];

/** The plan as fixed when the release was prepared, with the fleet it applies to. */
export interface PreparedPlan extends ReleasePlan {
  /** Cumulative number of instances on the new version after each batch. */
  readonly counts: readonly number[];
  /** Instance ids in the order they are replaced. */
  readonly order: readonly string[];
  /** The application had no instances: they are started on the new version (nothing to roll back to). */
  readonly provisioning: boolean;
}

/** What the release puts in place. COMPONENT: a new build. SIDECAR: the same build with another agent version. */
export interface ReleaseTarget {
  readonly kind: 'COMPONENT' | 'SIDECAR';
  readonly commit: string | null;
  readonly version: string;
  readonly location: string;
  readonly startCommand: string;
  /** SIDECAR: the agent version every instance gets; COMPONENT: null (each instance keeps its agent). */
  readonly agentVersion: string | null;
}

/** The step's outcome, stored so that a repeated step gets the same answer. ABORTED: stopped by hand (rolled back). */
export interface StoredResult {
  readonly outcome: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly errorClass: ErrorClass | null;
  readonly message: string;
  readonly details: Readonly<Record<string, string>>;
}

export interface ReleaseRecord {
  readonly id: string;
  readonly runId: string;
  readonly taskId: string;
  readonly stage: string;
  readonly attempt: number;
  readonly application: string;
  readonly command: StepCommand;
  readonly status: ReleaseStatus;
  readonly paused: boolean;
  readonly promoteRequested: boolean;
  readonly abortRequested: boolean;
  readonly plan: PreparedPlan | null;
  readonly target: ReleaseTarget | null;
  /** What every instance ran before the release (the rollback target), by instance id. */
  readonly previous: Readonly<Record<string, InstanceSpec>> | null;
  readonly batchIndex: number;
  readonly bakeStartedAt: Date | null;
  readonly bake: BakeState | null;
  readonly result: StoredResult | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Manual controls: REST here, and task-manager's run controls (StepCommand.control over Kafka). */
export const RELEASE_CONTROLS = ['pause', 'resume', 'promote', 'abort'] as const;
export type ReleaseControl = (typeof RELEASE_CONTROLS)[number];

export type ControlOutcome =
  | { readonly kind: 'applied'; readonly release: ReleaseRecord }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'refused'; readonly reason: string; readonly release: ReleaseRecord };
