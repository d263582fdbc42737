import { Type } from 'avsc';
import { guardedTypeHook, zeroSizeArrayItems } from './block-count.guard';
import { toParsingCanonicalForm } from './canonical-form';
import { IncompatibleSchemaError, InvalidSchemaError, UnknownSchemaError } from './codec.errors';
import { crc64AvroLittleEndian } from './crc64-avro';

/** One version of one event type's schema, as kept in `contracts/schemas/<EventType>/v<version>.avsc`. */
export interface SchemaDefinition {
  readonly eventType: string;
  readonly version: number;
  /** The schema JSON exactly as in the .avsc file. */
  readonly schema: unknown;
}

/** Avro resolver between a writer and a reader type (avsc keeps its class private). */
export type AvroResolver = ReturnType<Type['createResolver']>;

export interface RegisteredSchema {
  readonly eventType: string;
  readonly version: number;
  /** The parsed avsc type; unions are never wrapped, so values are plain JS values. */
  readonly type: Type;
  readonly canonicalForm: string;
  /** CRC-64-AVRO of the canonical form, 8 bytes little-endian (do not mutate). */
  readonly fingerprint: Buffer;
  readonly fingerprintHex: string;
}

/**
 * Options every schema is parsed with. `wrapUnions: 'never'` makes avsc reject ambiguous unions
 * (two records, int and long, …), so decoded values always match the generated TypeScript types;
 * the type hook makes arrays and maps refuse block counts larger than the bytes left.
 */
export const AVSC_PARSE_OPTIONS = { wrapUnions: 'never', omitRecordMethods: true, typeHook: guardedTypeHook } as const;

export function parseSchema(schema: unknown): Type {
  return Type.forSchema(schema as Parameters<typeof Type.forSchema>[0], { ...AVSC_PARSE_OPTIONS });
}

/**
 * Every version of every event type, parsed once: types, canonical forms, fingerprints, a
 * fingerprint → schema map and a cache of resolvers. Build it once per process and share it.
 */
export class SchemaRegistry {
  private readonly byType = new Map<string, readonly RegisteredSchema[]>();
  /** Key: the fingerprint's 8 bytes as a latin1 string (cheap to slice out of a message). */
  private readonly byFingerprintKey = new Map<string, RegisteredSchema>();
  private readonly resolvers = new Map<string, AvroResolver | IncompatibleSchemaError>();

  constructor(definitions: readonly SchemaDefinition[]) {
    const grouped = new Map<string, SchemaDefinition[]>();
    for (const definition of definitions) {
      const list = grouped.get(definition.eventType) ?? [];
      list.push(definition);
      grouped.set(definition.eventType, list);
    }
    for (const [eventType, list] of grouped) {
      const sorted = [...list].sort((a, b) => a.version - b.version);
      const registered = sorted.map((definition, index) => {
        if (definition.version !== index + 1) {
          throw new InvalidSchemaError(`versions of ${eventType} must be 1, 2, 3… without gaps; found v${definition.version} at position ${index + 1}`, {
            eventType,
          });
        }
        return register(definition);
      });
      this.byType.set(eventType, Object.freeze(registered));
      for (const entry of registered) {
        const key = entry.fingerprint.toString('latin1');
        const clash = this.byFingerprintKey.get(key);
        if (clash) {
          throw new InvalidSchemaError(
            `${entry.eventType} v${entry.version} has the same canonical form as ${clash.eventType} v${clash.version}; a new version must change the schema`,
            { fingerprint: entry.fingerprintHex },
          );
        }
        this.byFingerprintKey.set(key, entry);
      }
    }
  }

  eventTypes(): readonly string[] {
    return [...this.byType.keys()];
  }

  versions(eventType: string): readonly RegisteredSchema[] {
    const list = this.byType.get(eventType);
    if (!list) throw new UnknownSchemaError(eventType);
    return list;
  }

  /** The given version, or the latest when `version` is undefined. */
  get(eventType: string, version?: number): RegisteredSchema {
    const list = this.versions(eventType);
    if (version === undefined) return list[list.length - 1]!;
    const entry = Number.isInteger(version) ? list[version - 1] : undefined;
    if (!entry) throw new UnknownSchemaError(eventType, version);
    return entry;
  }

  latest(eventType: string): RegisteredSchema {
    return this.get(eventType);
  }

  /** Look up by the 8 fingerprint bytes at `offset` of `bytes` (no copy). */
  byFingerprintAt(bytes: Buffer, offset: number): RegisteredSchema | undefined {
    return this.byFingerprintKey.get(bytes.toString('latin1', offset, offset + 8));
  }

  byFingerprint(fingerprint: Buffer | string): RegisteredSchema | undefined {
    const bytes = typeof fingerprint === 'string' ? Buffer.from(fingerprint, 'hex') : fingerprint;
    return bytes.length === 8 ? this.byFingerprintAt(bytes, 0) : undefined;
  }

  /**
   * The resolver that reads data written with `writer` as `reader`; undefined when both are the
   * same schema (no resolution needed). Cached. Throws IncompatibleSchemaError when Avro's
   * resolution rules do not allow it.
   */
  resolver(writer: RegisteredSchema, reader: RegisteredSchema): AvroResolver | undefined {
    if (writer === reader) return undefined;
    const key = `${writer.fingerprintHex}>${reader.fingerprintHex}`;
    let cached = this.resolvers.get(key);
    if (cached === undefined) {
      try {
        cached = reader.type.createResolver(writer.type);
      } catch (error) {
        cached = new IncompatibleSchemaError(describe(writer), describe(reader), error);
      }
      this.resolvers.set(key, cached);
    }
    if (cached instanceof IncompatibleSchemaError) throw cached;
    return cached;
  }
}

function describe(entry: RegisteredSchema): string {
  return `${entry.eventType} v${entry.version}`;
}

function register(definition: SchemaDefinition): RegisteredSchema {
  const { eventType, version } = definition;
  let type: Type;
  let canonicalForm: string;
  try {
    type = parseSchema(definition.schema);
    canonicalForm = toParsingCanonicalForm(definition.schema);
  } catch (error) {
    throw new InvalidSchemaError(`${eventType} v${version} is not a valid Avro schema`, { eventType, version }, error);
  }
  const shortName = type.name?.slice(type.name.lastIndexOf('.') + 1);
  if (type.typeName !== 'record' || shortName !== eventType) {
    throw new InvalidSchemaError(`${eventType} v${version} must be a record named ${eventType}`, { eventType, version, found: type.name ?? type.typeName });
  }
  const zeroSize = zeroSizeArrayItems(type);
  if (zeroSize.length > 0) {
    throw new InvalidSchemaError(`${eventType} v${version}: array items that can encode to zero bytes are not supported (${zeroSize.join(', ')})`, {
      eventType,
      version,
    });
  }
  const fingerprint = crc64AvroLittleEndian(canonicalForm);
  return Object.freeze({ eventType, version, type, canonicalForm, fingerprint, fingerprintHex: fingerprint.toString('hex') });
}
