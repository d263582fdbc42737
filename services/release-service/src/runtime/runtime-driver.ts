/** What a runtime needs to build one commit of an application. */
export interface BuildRequest {
  readonly application: string;
  readonly repositoryUrl: string;
  readonly defaultBranch: string;
  /** Commit, tag or branch to build; must be on the default branch. */
  readonly gitRef: string;
  /** Shell command run in the checkout; null: nothing to build. */
  readonly buildCommand: string | null;
}

/** A built commit, ready to start instances from. */
export interface Build {
  readonly commit: string;
  /** The application's version at that commit (VERSION file, package.json, else the short commit). */
  readonly version: string;
  /** Where the runtime keeps it (for the local driver, the checkout directory). */
  readonly location: string;
}

/** Problems with one build are values: the step fails with the matching error class. */
export type BuildOutcome =
  | { readonly kind: 'built'; readonly build: Build; readonly reused: boolean }
  | { readonly kind: 'ref-not-found'; readonly gitRef: string }
  | { readonly kind: 'not-on-default-branch'; readonly commit: string; readonly defaultBranch: string }
  | { readonly kind: 'clone-failed'; readonly message: string }
  | { readonly kind: 'build-failed'; readonly commit: string; readonly exitCode: number | null; readonly timedOut: boolean; readonly logTail: string };

export interface StartRequest {
  readonly application: string;
  readonly instanceId: string;
  /** Build.location */
  readonly location: string;
  readonly startCommand: string;
  /** Variables on top of PORT (configured variables, agent version, …). */
  readonly env: Readonly<Record<string, string>>;
}

export type StartOutcome =
  | { readonly kind: 'started'; readonly pid: number; readonly port: number; readonly address: string }
  | { readonly kind: 'start-failed'; readonly message: string; readonly logTail: string };

/** Where one running instance is, as the registry records it. */
export interface InstanceHandle {
  readonly pid: number | null;
  readonly address: string | null;
}

/** A production runtime: builds commits and runs instances of them. `local` runs processes on this host. */
export interface RuntimeDriver {
  readonly name: string;
  build(request: BuildRequest): Promise<BuildOutcome>;
  start(request: StartRequest): Promise<StartOutcome>;
  /** Stops the instance and everything it started; resolves when it is gone. Safe on an instance already gone. */
  stop(instance: InstanceHandle): Promise<void>;
  /** The process is there and its address accepts connections. */
  alive(instance: InstanceHandle): Promise<boolean>;
  /** The process is still there (no network check): false once it died. The watchdog asks this often. */
  running(instance: InstanceHandle): boolean;
  /** Removes the application's builds except those at the `keep` locations; returns the locations removed. */
  prune(application: string, keep: readonly string[]): Promise<string[]>;
}

export const RUNTIME_DRIVER = 'release-service:runtime-driver';
