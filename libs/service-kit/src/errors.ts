/** Base of every service-kit error: a stable code, safe metadata and a JSON form for logs. */
export class ServiceKitError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly meta: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.meta };
  }
}

/** The environment does not satisfy the service's config schema; `problems` names every one. */
export class ConfigError extends ServiceKitError {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(
      'SERVICE_KIT.CONFIG_INVALID',
      `invalid configuration for ${service} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { service, problems },
    );
  }
}
