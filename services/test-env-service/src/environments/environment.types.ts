import type { Classification, Phase } from '../classification';

/** What to deploy and how: derived from a StepCommand's application and testEnv parameters. */
export interface EnvironmentSpec {
  readonly application: string;
  readonly repositoryUrl: string;
  /** Branch or tag to clone. */
  readonly gitRef: string;
  /** maven, npm, ... (decides the implied commands). */
  readonly buildTool: string;
  readonly commands: { readonly build: string | null; readonly test: string | null; readonly start: string | null };
  /** Variables the application gets besides PORT. */
  readonly variables: Readonly<Record<string, string>>;
  /** Path answered with 2xx once the application is up, e.g. /health. */
  readonly healthPath: string;
  /** Paths requested with GET after the tests; each must answer 2xx. */
  readonly smokePaths: readonly string[];
  /** Re-runs of a failed test phase before a failure counts (a pass on re-run makes it TEST_FLAKY). */
  readonly flakyRetries: number;
  /** Per-phase timeouts (ms); missing ones use the configured defaults. */
  readonly timeoutsMs: Partial<Record<Phase, number>>;
  /** Epoch ms the step must be done by (StepCommand.deadline): no phase runs past it. Null: no deadline. */
  readonly deadline: number | null;
}

export const ENVIRONMENT_STATES = ['waiting', 'provisioning', 'ready', 'failed', 'released'] as const;
export type EnvironmentState = (typeof ENVIRONMENT_STATES)[number];

/** An environment as stored (table `environments`). */
export interface EnvironmentRecord {
  readonly id: string;
  readonly stepId: string;
  readonly runId: string;
  readonly driver: string;
  readonly state: EnvironmentState;
  readonly owner: string;
  readonly workspace: string;
  readonly logDir: string;
  readonly port: number | null;
  readonly processGroups: readonly number[];
  readonly spec: EnvironmentSpec;
  readonly createdAt: Date;
  readonly readyAt: Date | null;
  readonly expiresAt: Date;
  readonly usage: EnvironmentUsage;
}

/** CPU seconds per phase and the environment's lifetime. */
export interface EnvironmentUsage {
  readonly buildCpuSeconds: number | null;
  readonly testCpuSeconds: number | null;
  readonly environmentSeconds: number | null;
}

export interface PhaseReport {
  readonly phase: Phase;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly cpuSeconds: number | null;
}

/** A phase failed: its classification and the tail of its log. */
export interface PhaseFailure {
  readonly phase: Phase;
  readonly classification: Classification;
  readonly logTail: string;
}

export type DeployOutcome =
  | { readonly ok: true; readonly port: number; readonly phases: readonly PhaseReport[] }
  | { readonly ok: false; readonly failure: PhaseFailure; readonly phases: readonly PhaseReport[] };

export type VerifyOutcome =
  | { readonly ok: true; readonly phases: readonly PhaseReport[]; readonly flaky: null; readonly command?: string }
  | { readonly ok: true; readonly phases: readonly PhaseReport[]; readonly flaky: PhaseFailure; readonly command?: string }
  | { readonly ok: false; readonly failure: PhaseFailure; readonly phases: readonly PhaseReport[] };

/** Told when a phase starts (for progress events); its failures never fail the phase. */
export type PhaseListener = (phase: Phase) => Promise<void> | void;

/** Hooks a driver calls so the platform can see every process it starts (for teardown and the reaper). */
export interface ProcessRegistry {
  add(envId: string, pgid: number): Promise<void>;
  remove(envId: string, pgid: number): Promise<void>;
}

/** An environment backend: `local` (workspace + processes) now; Kubernetes namespaces later. */
export interface EnvironmentDriver {
  readonly name: string;
  /** Clone, build, start, wait for health. Leaves what it made in place (teardown removes it). */
  deploy(env: EnvironmentRecord, onPhase?: PhaseListener): Promise<DeployOutcome>;
  /** Tests (re-running a failed test phase flakyRetries times) and smoke requests against the running instance. */
  verify(env: EnvironmentRecord, onPhase?: PhaseListener): Promise<VerifyOutcome>;
  /** Kills every process of the environment and deletes its workspace; idempotent. Logs are kept. */
  teardown(env: Pick<EnvironmentRecord, 'id' | 'workspace' | 'processGroups'>): Promise<void>;
}
