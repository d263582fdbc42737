import type { Type, types } from 'avsc';
import { type EventInputOf, type EventOf, type EventTypeName, type ShipshapeEventInput, isEventTypeName } from '../generated/events.generated';
import { SCHEMA_DEFINITIONS } from '../generated/schemas.generated';
import { BlockCountError } from './block-count.guard';
import {
  BadMagicError,
  CodecValidationError,
  MalformedMessageError,
  TrailingBytesError,
  TruncatedMessageError,
  UnknownFingerprintError,
  UnknownSchemaError,
  type ValidationIssue,
} from './codec.errors';
import { SchemaRegistry, type AvroResolver, type RegisteredSchema } from './schema.registry';

/** Avro single-object encoding: 0xC3 0x01, the 8-byte little-endian CRC-64-AVRO fingerprint, the body. */
export const SINGLE_OBJECT_MAGIC = Buffer.from([0xc3, 0x01]);
export const SINGLE_OBJECT_HEADER_LENGTH = 10;

/** A decoded message whose value has the type given: by default the latest schema version's interface. */
export interface DecodedEventOf<K extends EventTypeName, V = EventOf<K>> {
  /** The reader's event type (the writer's, unless decodeAs chose another reader). */
  readonly eventType: K;
  /** Schema version the producer wrote with. */
  readonly writerVersion: number;
  /** Schema version the value was resolved into. */
  readonly readerVersion: number;
  readonly value: V;
}

/** A decoded message; a discriminated union on `eventType`, so a switch narrows `value`. */
export type DecodedEvent<K extends EventTypeName = EventTypeName> = { [P in K]: DecodedEventOf<P> }[K];

/** What the 10-byte header says, without decoding the body. */
export interface MessageHeader {
  readonly eventType: EventTypeName;
  readonly version: number;
  readonly fingerprint: string;
}

const INITIAL_SCRATCH = 16 * 1024;

/**
 * Encodes and decodes Shipshape events as Avro single-object messages. Types, fingerprints and
 * resolvers are built once; `fromContracts()` shares one codec per process.
 */
export class AvroCodec {
  private static shared: AvroCodec | undefined;

  /** Headers (magic + fingerprint) of the latest version of each event type, by event type. */
  private readonly writers = new Map<string, { readonly entry: RegisteredSchema; readonly header: Buffer }>();
  /** Resolver from each registered writer schema into the latest version of its event type. */
  private readonly toLatest = new Map<RegisteredSchema, { readonly reader: RegisteredSchema; readonly resolver: AvroResolver | undefined }>();
  private scratch = Buffer.allocUnsafe(INITIAL_SCRATCH);

  /** The codec over every version of every schema in contracts (one shared instance). */
  static fromContracts(): AvroCodec {
    AvroCodec.shared ??= new AvroCodec(new SchemaRegistry(SCHEMA_DEFINITIONS));
    return AvroCodec.shared;
  }

  constructor(readonly registry: SchemaRegistry) {
    for (const eventType of registry.eventTypes()) {
      const latest = registry.latest(eventType);
      this.writers.set(eventType, { entry: latest, header: Buffer.concat([SINGLE_OBJECT_MAGIC, latest.fingerprint]) });
      for (const entry of registry.versions(eventType)) {
        this.toLatest.set(entry, { reader: latest, resolver: registry.resolver(entry, latest) });
      }
    }
  }

  /**
   * Encodes `value` with the latest schema of `eventType`. Fields with a schema default may be
   * left out. Throws CodecValidationError naming every bad field path (and undeclared fields).
   */
  encode(eventType: EventTypeName, value: unknown): Buffer {
    const writer = this.writers.get(eventType);
    if (!writer) throw new UnknownSchemaError(String(eventType));
    const { type } = writer.entry;
    if (!type.isValid(value, { noUndeclaredFields: true })) {
      throw new CodecValidationError(eventType, validationIssues(type, value));
    }
    return this.write(type, writer.header, value);
  }

  /** `encode` with compile-time checking of the value against the generated types. */
  encodeEvent<K extends EventTypeName>(eventType: K, value: EventInputOf<K>): Buffer {
    return this.encode(eventType, value);
  }

  /** Encodes a `{ eventType, value }` pair (the ShipshapeEventInput union). */
  encodeShipshapeEvent(event: ShipshapeEventInput): Buffer {
    return this.encode(event.eventType, event.value);
  }

  /** Decodes into the latest version of the writer's event type. */
  decode(bytes: Buffer): DecodedEvent {
    const writer = this.writerOf(bytes);
    const target = this.toLatest.get(writer)!;
    const value = this.read(bytes, writer, target.reader, target.resolver);
    return { eventType: writer.eventType, writerVersion: writer.version, readerVersion: target.reader.version, value } as DecodedEvent;
  }

  /** Decodes with an explicit reader schema: `eventType` at `version` (default: its latest). */
  decodeAs<K extends EventTypeName>(bytes: Buffer, eventType: K): DecodedEvent<K>;
  decodeAs<K extends EventTypeName>(bytes: Buffer, eventType: K, version: number | undefined): DecodedEventOf<K, unknown>;
  decodeAs<K extends EventTypeName>(bytes: Buffer, eventType: K, version?: number): DecodedEventOf<K, unknown> {
    const reader = this.registry.get(eventType, version);
    const writer = this.writerOf(bytes);
    const resolver = this.registry.resolver(writer, reader);
    const value = this.read(bytes, writer, reader, resolver);
    return { eventType, writerVersion: writer.version, readerVersion: reader.version, value };
  }

  /** The event type, version and fingerprint a message was written with (validates only the header). */
  readHeader(bytes: Buffer): MessageHeader {
    const writer = this.writerOf(bytes);
    return { eventType: writer.eventType as EventTypeName, version: writer.version, fingerprint: writer.fingerprintHex };
  }

  /** The CRC-64-AVRO fingerprint (8 bytes, little-endian) of `eventType` at `version` (default: latest). */
  fingerprintOf(eventType: EventTypeName, version?: number): Buffer {
    return Buffer.from(this.registry.get(eventType, version).fingerprint);
  }

  latestVersion(eventType: EventTypeName): number {
    return this.registry.latest(eventType).version;
  }

  private writerOf(bytes: Buffer): RegisteredSchema {
    if (bytes.length < SINGLE_OBJECT_HEADER_LENGTH) {
      // Report a wrong marker before a short message: garbage is more likely than a cut header.
      const marker = bytes.subarray(0, 2);
      if (!SINGLE_OBJECT_MAGIC.subarray(0, marker.length).equals(marker)) throw new BadMagicError(marker.toString('hex'));
      throw new TruncatedMessageError('header', { length: bytes.length });
    }
    if (bytes[0] !== 0xc3 || bytes[1] !== 0x01) throw new BadMagicError(bytes.toString('hex', 0, 2));
    const writer = this.registry.byFingerprintAt(bytes, 2);
    if (!writer) throw new UnknownFingerprintError(bytes.toString('hex', 2, SINGLE_OBJECT_HEADER_LENGTH));
    return writer;
  }

  private read(bytes: Buffer, writer: RegisteredSchema, reader: RegisteredSchema, resolver: AvroResolver | undefined): unknown {
    let result: { value: unknown; offset: number };
    try {
      result = reader.type.decode(bytes, SINGLE_OBJECT_HEADER_LENGTH, resolver);
    } catch (error) {
      if (error instanceof BlockCountError) {
        throw new TruncatedMessageError('body', { eventType: writer.eventType, version: writer.version, claimedItems: error.count, remaining: error.remaining });
      }
      throw new MalformedMessageError({ eventType: writer.eventType, version: writer.version }, error);
    }
    if (result.offset < 0) {
      throw new TruncatedMessageError('body', { eventType: writer.eventType, version: writer.version, length: bytes.length });
    }
    if (result.offset !== bytes.length) {
      throw new TrailingBytesError(bytes.length - result.offset, { eventType: writer.eventType, version: writer.version });
    }
    return result.value;
  }

  private write(type: Type, header: Buffer, value: unknown): Buffer {
    header.copy(this.scratch, 0);
    let end = type.encode(value, this.scratch, SINGLE_OBJECT_HEADER_LENGTH);
    if (end < 0) {
      // avsc returns minus the number of missing bytes; grow and write again.
      this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
      header.copy(this.scratch, 0);
      end = type.encode(value, this.scratch, SINGLE_OBJECT_HEADER_LENGTH);
    }
    const out = Buffer.allocUnsafe(end);
    this.scratch.copy(out, 0, 0, end);
    return out;
  }
}

/** Type guard for event type names coming from outside (headers, HTTP). */
export function assertEventTypeName(value: string): EventTypeName {
  if (!isEventTypeName(value)) throw new UnknownSchemaError(value);
  return value;
}

/** Every problem with `value`, as field paths (type mismatches via avsc, plus undeclared fields). */
export function validationIssues(type: Type, value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  type.isValid(value, {
    errorHook: (path: string[], found: unknown, expected: Type) => {
      issues.push({ path: path.join('.'), expected: describeType(expected), actual: describeValue(found) });
    },
  });
  collectUndeclared(type, value, [], issues);
  if (issues.length === 0) issues.push({ path: '', expected: type.name ?? type.typeName, actual: describeValue(value) });
  return issues;
}

function describeType(type: Type): string {
  if (type.typeName === 'union:unwrapped' || type.typeName === 'union:wrapped') {
    return (type as types.UnwrappedUnionType).types.map(describeType).join(' | ');
  }
  if (type.typeName === 'enum') return `one of ${(type as types.EnumType).symbols.join('|')}`;
  return type.name ?? type.typeName;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'Buffer';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'non-integer number';
  return typeof value;
}

function collectUndeclared(type: Type, value: unknown, path: string[], issues: ValidationIssue[]): void {
  if (value === null || typeof value !== 'object') return;
  switch (type.typeName) {
    case 'record':
    case 'error': {
      const fields = (type as types.RecordType).fields;
      const names = new Set(fields.map((f) => f.name));
      for (const key of Object.keys(value)) {
        if (!names.has(key)) issues.push({ path: [...path, key].join('.'), expected: 'no such field', actual: describeValue((value as Record<string, unknown>)[key]) });
      }
      for (const field of fields) collectUndeclared(field.type, (value as Record<string, unknown>)[field.name], [...path, field.name], issues);
      return;
    }
    case 'array':
      if (Array.isArray(value)) value.forEach((item, i) => collectUndeclared((type as types.ArrayType).itemsType, item, [...path, String(i)], issues));
      return;
    case 'map':
      for (const [key, item] of Object.entries(value)) collectUndeclared((type as types.MapType).valuesType as Type, item, [...path, key], issues);
      return;
    case 'union:unwrapped': {
      // The record branch, if any, is the one an object can belong to (unions are unambiguous).
      const branch = (type as types.UnwrappedUnionType).types.find((t) => t.typeName === 'record' || t.typeName === (Array.isArray(value) ? 'array' : 'map'));
      if (branch) collectUndeclared(branch, value, path, issues);
      return;
    }
    default:
      return;
  }
}
