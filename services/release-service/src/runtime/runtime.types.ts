/** Instance states in the registry. `replacing`: a new version is being put in place (target says which). */
export const INSTANCE_STATES = ['starting', 'running', 'replacing', 'stopped', 'failed'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/** What an instance should run: a build plus how it is started. */
export interface InstanceSpec {
  readonly commit: string | null;
  readonly version: string;
  readonly agentVersion: string | null;
  /** Build location (checkout directory for the local runtime). */
  readonly location: string;
  readonly startCommand: string;
  readonly env: Readonly<Record<string, string>>;
}

/** A replacement in flight: the spec, and the new process once it is started (so a resumed replacement finds it). */
export interface ReplacementTarget extends InstanceSpec {
  readonly pid: number | null;
  readonly port: number | null;
  readonly address: string | null;
}

/** One row of the runtime registry. */
export interface RuntimeInstance {
  readonly application: string;
  readonly instanceId: string;
  readonly runtime: string;
  readonly address: string | null;
  readonly port: number | null;
  readonly pid: number | null;
  readonly version: string;
  readonly commit: string | null;
  readonly agentVersion: string | null;
  readonly location: string;
  readonly startCommand: string;
  readonly env: Readonly<Record<string, string>>;
  readonly state: InstanceState;
  readonly target: ReplacementTarget | null;
  /** Times the watchdog found the process dead while it should run (and started it again). */
  readonly restarts: number;
  /** Restart attempts of the current series (since the process died); 0 once it runs again. */
  readonly restartAttempts: number;
  /** When the watchdog tries again; null when it is not failed or when the watchdog gave up. */
  readonly nextRestartAt: string | null;
  /** Why the last start failed (and, once the watchdog gave up, that it did); null while it runs. */
  readonly failureReason: string | null;
  readonly startedAt: string | null;
  readonly updatedAt: string;
}

/** Same build, same agent, same start: the instance already runs what the spec asks for. */
export function runsSpec(instance: Pick<RuntimeInstance, 'commit' | 'version' | 'agentVersion' | 'location'>, spec: InstanceSpec): boolean {
  return instance.commit === spec.commit && instance.version === spec.version && instance.agentVersion === spec.agentVersion && instance.location === spec.location;
}

export function specOf(instance: RuntimeInstance): InstanceSpec {
  return {
    commit: instance.commit,
    version: instance.version,
    agentVersion: instance.agentVersion,
    location: instance.location,
    startCommand: instance.startCommand,
    env: instance.env,
  };
}
