/**
 * The base of every Shipshape error. Each package extends it once with its own code prefix
 * (`CONTRACTS.`, `MESSAGING.`, `CHANGE.`…) and carries:
 * - a stable, machine-readable `code` (`PACKAGE.WHAT_HAPPENED`) that callers and dashboards key off,
 * - a `cause` (the underlying error, kept out of `toJSON` except for its name, code and message),
 * - `details`: safe metadata only — ids, names, counts, hosts; never secrets, tokens or payloads.
 */
export type ErrorDetails = Readonly<Record<string, unknown>>;

export interface ShipshapeErrorOptions {
  readonly cause?: unknown;
  readonly details?: ErrorDetails;
}

export interface SerializedCause {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export interface SerializedError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly details: ErrorDetails;
  readonly cause?: SerializedError | SerializedCause;
}

/** Codes look like `PACKAGE.SNAKE_CASE`: an upper-case prefix, a dot, an upper-case name. */
export const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$/;

export class ShipshapeError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(code: string, message: string, options: ShipshapeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (!ERROR_CODE_PATTERN.test(code)) {
      throw new TypeError(`error code "${code}" does not match PACKAGE.NAME`);
    }
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }

  toJSON(): SerializedError {
    const cause = serializeCause(this.cause);
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      details: this.details,
      ...(cause === undefined ? {} : { cause }),
    };
  }
}

export function isShipshapeError(value: unknown, code?: string): value is ShipshapeError {
  return value instanceof ShipshapeError && (code === undefined || value.code === code);
}

function serializeCause(cause: unknown): SerializedError | SerializedCause | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (cause instanceof ShipshapeError) return cause.toJSON();
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return { name: cause.name, message: cause.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: typeof cause, message: String(cause) };
}
