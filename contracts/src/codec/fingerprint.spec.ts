import { describe, expect, it } from 'vitest';
import { SCHEMA_DEFINITIONS } from '../generated/schemas.generated';
import javaVectors from './__fixtures__/avro-java-vectors.json';
import { toParsingCanonicalForm } from './canonical-form';
import { CRC64_AVRO_EMPTY, CRC64_AVRO_TABLE, crc64Avro, crc64AvroLittleEndian, toSignedInt64 } from './crc64-avro';
import { SchemaRegistry, parseSchema } from './schema.registry';

/**
 * An independent, deliberately naive CRC-64-AVRO: no table, no BigInt, the 64-bit state kept as
 * two 32-bit halves, one bit at a time (Avro spec: fp = (fp >>> 1) ^ (EMPTY & -(fp & 1))).
 */
function naiveCrc64Avro(bytes: Uint8Array): string {
  const polyHi = 0xc15d213a;
  const polyLo = 0xa4d7a795;
  let hi = polyHi;
  let lo = polyLo;
  for (const byte of bytes) {
    lo = (lo ^ byte) >>> 0;
    for (let bit = 0; bit < 8; bit++) {
      const low = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (low) {
        hi = (hi ^ polyHi) >>> 0;
        lo = (lo ^ polyLo) >>> 0;
      }
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

describe('CRC-64-AVRO', () => {
  it('has the specification constants', () => {
    expect(CRC64_AVRO_EMPTY).toBe(0xc15d213aa4d7a795n);
    expect(CRC64_AVRO_TABLE).toHaveLength(256);
    expect(CRC64_AVRO_TABLE[0]).toBe(0n);
    // Byte 0x80: seven plain shifts to 1, then one shift with the polynomial xored in.
    expect(CRC64_AVRO_TABLE[0x80]).toBe(CRC64_AVRO_EMPTY);
    expect(CRC64_AVRO_TABLE.every((v) => v >= 0n && v < 1n << 64n)).toBe(true);
  });

  it('is EMPTY for no input', () => {
    expect(crc64Avro(new Uint8Array())).toBe(CRC64_AVRO_EMPTY);
  });

  it('matches a naive bitwise implementation on many inputs', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 200; n++) {
      const bytes = Uint8Array.from({ length: next() % 300 }, () => next() % 256);
      expect(crc64Avro(bytes).toString(16).padStart(16, '0')).toBe(naiveCrc64Avro(bytes));
    }
  });

  it('matches Apache Avro (Java) for primitive and small schemas', () => {
    for (const vector of javaVectors.inline) {
      const canonical = toParsingCanonicalForm(JSON.parse(vector.schema));
      expect(canonical).toBe(vector.canonicalForm);
      expect(toSignedInt64(crc64Avro(Buffer.from(canonical))).toString()).toBe(vector.fingerprint);
      expect(crc64AvroLittleEndian(canonical).toString('hex')).toBe(vector.fingerprintHexLe);
    }
    // The values Avro's own test data lists (share/test/data/schema-tests.txt) for "null" and "int".
    expect(toSignedInt64(crc64Avro(Buffer.from('"null"')))).toBe(7195948357588979594n);
    expect(toSignedInt64(crc64Avro(Buffer.from('"int"')))).toBe(8247732601305521295n);
  });
});

describe('Parsing Canonical Form', () => {
  it('reduces primitives written as objects and strips every non-canonical attribute', () => {
    expect(toParsingCanonicalForm({ type: 'long', logicalType: 'timestamp-millis' })).toBe('"long"');
    expect(
      toParsingCanonicalForm({
        doc: 'x',
        fields: [{ default: 1, doc: 'f', name: 'a', order: 'descending', aliases: ['b'], type: { type: 'int' } }],
        aliases: ['Old'],
        namespace: 'n.s',
        type: 'record',
        name: 'R',
      }),
    ).toBe('{"name":"n.s.R","type":"record","fields":[{"name":"a","type":"int"}]}');
  });

  it('writes fullnames, inheriting the enclosing namespace, and references after the first definition', () => {
    const schema = {
      type: 'record',
      name: 'Outer',
      namespace: 'a.b',
      fields: [
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X'], default: 'X' } },
        { name: 'f', type: { type: 'fixed', name: 'other.F', size: 4 } },
        { name: 'again', type: 'E' },
        { name: 'list', type: { type: 'array', items: { type: 'map', values: ['null', 'a.b.E'] } } },
        { name: 'inner', type: { type: 'record', name: 'Inner', namespace: 'c', fields: [{ name: 'f2', type: 'other.F' }] } },
      ],
    };
    expect(toParsingCanonicalForm(schema)).toBe(
      '{"name":"a.b.Outer","type":"record","fields":[' +
        '{"name":"e","type":{"name":"a.b.E","type":"enum","symbols":["X"]}},' +
        '{"name":"f","type":{"name":"other.F","type":"fixed","size":4}},' +
        '{"name":"again","type":"a.b.E"},' +
        '{"name":"list","type":{"type":"array","items":{"type":"map","values":["null","a.b.E"]}}},' +
        '{"name":"inner","type":{"name":"c.Inner","type":"record","fields":[{"name":"f2","type":"other.F"}]}}]}',
    );
  });

  it('rejects undefined names and redefinitions', () => {
    expect(() => toParsingCanonicalForm({ type: 'array', items: 'Nope' })).toThrow(/undefined name/);
    expect(() =>
      toParsingCanonicalForm({
        type: 'record',
        name: 'R',
        fields: [
          { name: 'a', type: { type: 'enum', name: 'E', symbols: ['X'] } },
          { name: 'b', type: { type: 'enum', name: 'E', symbols: ['Y'] } },
        ],
      }),
    ).toThrow(/defined twice/);
  });

  it('agrees with avsc and with Apache Avro (Java) for every schema version in contracts', () => {
    const registry = new SchemaRegistry(SCHEMA_DEFINITIONS);
    const java = new Map(javaVectors.schemas.map((s) => [`${s.eventType}/v${s.version}`, s]));
    expect(java.size).toBe(SCHEMA_DEFINITIONS.length);
    for (const definition of SCHEMA_DEFINITIONS) {
      const key = `${definition.eventType}/v${definition.version}`;
      const canonical = toParsingCanonicalForm(definition.schema);
      const vector = java.get(key);
      expect(vector, key).toBeDefined();
      expect(canonical, key).toBe(vector!.canonicalForm);
      expect(canonical, key).toBe(JSON.stringify(parseSchema(definition.schema).schema()));
      const entry = registry.get(definition.eventType, definition.version);
      expect(entry.fingerprintHex, key).toBe(vector!.fingerprintHexLe);
      expect(toSignedInt64(entry.fingerprint.readBigUInt64LE()).toString(), key).toBe(vector!.fingerprint);
    }
  });
});
