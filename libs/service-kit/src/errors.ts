import { ShipshapeError, type ErrorDetails } from '@shipshape/contracts';

/** Base of every service-kit error: codes `SERVICE_KIT.*`, safe details, cause, toJSON (ShipshapeError). */
export class ServiceKitError extends ShipshapeError {
  constructor(code: `SERVICE_KIT.${string}`, message: string, details: ErrorDetails = {}, options: { cause?: unknown } = {}) {
    super(code, message, { details, cause: options.cause });
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
