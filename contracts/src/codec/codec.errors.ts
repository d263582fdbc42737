import { ShipshapeError, type ErrorDetails, type ShipshapeErrorOptions } from '../errors';

export const CODEC_ERROR_CODES = {
  badMagic: 'CONTRACTS.BAD_MAGIC',
  unknownFingerprint: 'CONTRACTS.UNKNOWN_FINGERPRINT',
  truncatedMessage: 'CONTRACTS.TRUNCATED_MESSAGE',
  trailingBytes: 'CONTRACTS.TRAILING_BYTES',
  malformedMessage: 'CONTRACTS.MALFORMED_MESSAGE',
  validationFailed: 'CONTRACTS.VALIDATION_FAILED',
  unknownSchema: 'CONTRACTS.UNKNOWN_SCHEMA',
  incompatibleSchema: 'CONTRACTS.INCOMPATIBLE_SCHEMA',
  invalidSchema: 'CONTRACTS.INVALID_SCHEMA',
} as const;
export type CodecErrorCode = (typeof CODEC_ERROR_CODES)[keyof typeof CODEC_ERROR_CODES];

/** The base of every error the codec and the schema registry throw. */
export class CodecError extends ShipshapeError {
  declare readonly code: CodecErrorCode;

  constructor(code: CodecErrorCode, message: string, options: ShipshapeErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The message does not start with the single-object marker 0xC3 0x01. */
export class BadMagicError extends CodecError {
  constructor(readonly actual: string) {
    super(CODEC_ERROR_CODES.badMagic, `not an Avro single-object message: expected magic c301, got ${actual || 'nothing'}`, {
      details: { actual },
    });
  }
}

/** The writer schema's fingerprint is not in the registry (a newer producer, or not a Shipshape message). */
export class UnknownFingerprintError extends CodecError {
  constructor(readonly fingerprint: string) {
    super(CODEC_ERROR_CODES.unknownFingerprint, `no schema with CRC-64-AVRO fingerprint ${fingerprint} (little-endian hex)`, {
      details: { fingerprint },
    });
  }
}

/** The message ends inside the 10-byte header or inside the Avro body. */
export class TruncatedMessageError extends CodecError {
  constructor(
    readonly part: 'header' | 'body',
    details: ErrorDetails = {},
  ) {
    super(CODEC_ERROR_CODES.truncatedMessage, `message truncated in its ${part}`, { details: { part, ...details } });
  }
}

/** Bytes remain after the Avro body was read completely. */
export class TrailingBytesError extends CodecError {
  constructor(
    readonly trailing: number,
    details: ErrorDetails = {},
  ) {
    super(CODEC_ERROR_CODES.trailingBytes, `${trailing} trailing byte(s) after the Avro body`, { details: { trailing, ...details } });
  }
}

/** The body could not be read as the writer schema (bad union index, bad enum index, …). */
export class MalformedMessageError extends CodecError {
  constructor(details: ErrorDetails, cause: unknown) {
    super(CODEC_ERROR_CODES.malformedMessage, 'Avro body does not match its writer schema', { details, cause });
  }
}

export interface ValidationIssue {
  /** Dotted path from the event root, e.g. `application.name` or `acquired.0.kind`; `` for the root. */
  readonly path: string;
  /** What the schema wants there, e.g. `string`, `io.shipshape.events.ErrorClass`, `no such field`. */
  readonly expected: string;
  /** The JavaScript type found (never the value itself: events may carry data that must not reach logs). */
  readonly actual: string;
}

/** A value handed to `encode` does not match the writer schema. */
export class CodecValidationError extends CodecError {
  readonly issues: readonly ValidationIssue[];

  constructor(
    readonly eventType: string,
    issues: readonly ValidationIssue[],
  ) {
    const shown = issues
      .slice(0, 5)
      .map((i) => `${i.path || '(root)'}: expected ${i.expected}, got ${i.actual}`)
      .join('; ');
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
    super(CODEC_ERROR_CODES.validationFailed, `invalid ${eventType}: ${shown}${more}`, {
      details: { eventType, paths: issues.map((i) => i.path), issues },
    });
    this.issues = issues;
  }

  get paths(): readonly string[] {
    return this.issues.map((i) => i.path);
  }
}

/** No schema for that event type or version. */
export class UnknownSchemaError extends CodecError {
  constructor(
    readonly eventType: string,
    readonly version?: number,
  ) {
    super(
      CODEC_ERROR_CODES.unknownSchema,
      version === undefined ? `unknown event type "${eventType}"` : `no version ${version} of event type "${eventType}"`,
      { details: { eventType, ...(version === undefined ? {} : { version }) } },
    );
  }
}

/** The reader schema cannot resolve the writer schema (Avro schema resolution rules). */
export class IncompatibleSchemaError extends CodecError {
  constructor(
    readonly writer: string,
    readonly reader: string,
    cause: unknown,
  ) {
    super(CODEC_ERROR_CODES.incompatibleSchema, `${reader} cannot read data written with ${writer}`, {
      details: { writer, reader },
      cause,
    });
  }
}

/** A schema definition handed to the registry is unusable (does not parse, wrong name, gap in versions, …). */
export class InvalidSchemaError extends CodecError {
  constructor(message: string, details: ErrorDetails = {}, cause?: unknown) {
    super(CODEC_ERROR_CODES.invalidSchema, message, { details, cause });
  }
}
