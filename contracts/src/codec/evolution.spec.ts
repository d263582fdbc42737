import type { Type } from 'avsc';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_NAMES } from '../generated/events.generated';
import { SCHEMA_DEFINITIONS } from '../generated/schemas.generated';
import { EVENT_SAMPLES } from '../samples/event.samples';
import { checkEvolution } from './compatibility';
import { InvalidSchemaError } from './codec.errors';
import { SchemaRegistry, type RegisteredSchema } from './schema.registry';

const registry = new SchemaRegistry(SCHEMA_DEFINITIONS);

/** Seeded random values of a type (avsc's `random()` uses Math.random; seed it for reproducible runs). */
function randomValues(type: Type, count: number): unknown[] {
  const original = Math.random;
  let seed = 7;
  Math.random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  try {
    return Array.from({ length: count }, () => type.random());
  } finally {
    Math.random = original;
  }
}

function fieldNames(entry: RegisteredSchema): string[] {
  return (entry.type as unknown as { fields: { name: string }[] }).fields.map((f) => f.name);
}

/** Every named enum of a schema: its symbols and default. */
function enumsOf(schema: unknown, out = new Map<string, { symbols: string[]; default?: string }>()): Map<string, { symbols: string[]; default?: string }> {
  if (Array.isArray(schema)) for (const s of schema) enumsOf(s, out);
  else if (schema !== null && typeof schema === 'object') {
    const s = schema as Record<string, unknown>;
    if (s['type'] === 'enum' && typeof s['name'] === 'string') out.set(s['name'].replace(/^.*\./, ''), { symbols: s['symbols'] as string[], default: s['default'] as string | undefined });
    for (const value of Object.values(s)) enumsOf(value, out);
  }
  return out;
}

/** A symbol the reader's enum does not know reads as the reader's enum default (Avro resolution): what the reader must see. */
function symbolFallbacks(writer: RegisteredSchema, reader: RegisteredSchema): Map<string, string> {
  const json = (r: RegisteredSchema) => SCHEMA_DEFINITIONS.find((d) => d.eventType === r.eventType && d.version === r.version)?.schema;
  const readerEnums = enumsOf(json(reader));
  const fallbacks = new Map<string, string>();
  for (const [name, written] of enumsOf(json(writer))) {
    const read = readerEnums.get(name);
    if (read?.default === undefined) continue;
    for (const symbol of written.symbols) if (!read.symbols.includes(symbol)) fallbacks.set(symbol, read.default);
  }
  return fallbacks;
}

/** Writes `values` with `writer`, reads them with `reader` through a resolver, and checks shared fields survive (newer enum symbols as the reader's default). */
function expectReadable(writer: RegisteredSchema, reader: RegisteredSchema, values: readonly unknown[]): void {
  const resolver = reader.type.createResolver(writer.type);
  const shared = fieldNames(writer).filter((name) => fieldNames(reader).includes(name));
  const fallbacks = symbolFallbacks(writer, reader);
  const asRead = (json: string | undefined) => [...fallbacks].reduce((text, [symbol, fallback]) => text?.replaceAll(`"${symbol}"`, `"${fallback}"`), json);
  for (const value of values) {
    const bytes = writer.type.toBuffer(value);
    const read = reader.type.fromBuffer(bytes, resolver) as Record<string, unknown>;
    expect(reader.type.isValid(read)).toBe(true);
    for (const name of shared) {
      expect(JSON.stringify(read[name])).toBe(asRead(JSON.stringify((value as Record<string, unknown>)[name])));
    }
  }
}

describe('schema evolution', () => {
  it('keeps at least one real second version (StepResult v2)', () => {
    const versions = registry.versions('StepResult');
    expect(versions.map((v) => v.version).slice(0, 2)).toEqual([1, 2]);
    expect(fieldNames(versions[1]!).filter((f) => !fieldNames(versions[0]!).includes(f))).toEqual(['links', 'retryAfterMs']);
  });

  for (const eventType of EVENT_TYPE_NAMES) {
    const versions = registry.versions(eventType);
    it(`${eventType}: every version is backward and forward compatible with every other (schema check)`, () => {
      expect(checkEvolution(versions)).toEqual([]);
    });

    for (let newer = 1; newer < versions.length; newer++) {
      for (let older = 0; older < newer; older++) {
        const n = versions[newer]!;
        const o = versions[older]!;
        it(`${eventType}: v${n.version} reads data written with v${o.version} (backward)`, () => {
          expectReadable(o, n, randomValues(o.type, 200));
        });
        it(`${eventType}: v${o.version} reads data written with v${n.version} (forward)`, () => {
          expectReadable(n, o, [...randomValues(n.type, 200), EVENT_SAMPLES[eventType]]);
        });
      }
    }
  }

  it('backward: a newer reader fills defaults for fields the older writer did not have', () => {
    const [v1, v2] = registry.versions('StepResult');
    const { links: _links, retryAfterMs: _retry, ...asV1 } = EVENT_SAMPLES.StepResult;
    const read = v2!.type.fromBuffer(v1!.type.toBuffer(asV1), v2!.type.createResolver(v1!.type));
    expect(read).toMatchObject({ ...asV1, links: [], retryAfterMs: null });
  });

  it('forward: an outcome a reader does not know (ABORTED, since v3) reads as PROGRESS (no decision)', () => {
    const [v1, v2, v3] = registry.versions('StepResult');
    const bytes = v3!.type.toBuffer({ ...EVENT_SAMPLES.StepResult, outcome: 'ABORTED', errorClass: null });
    expect(v2!.type.fromBuffer(bytes, v2!.type.createResolver(v3!.type))).toMatchObject({ outcome: 'PROGRESS' });
    expect(v1!.type.fromBuffer(bytes, v1!.type.createResolver(v3!.type))).toMatchObject({ outcome: 'PROGRESS' });
  });

  it('forward: a StepCommand control reads, in v1, as a repeat of the step (the field is dropped)', () => {
    const [v1, v2] = registry.versions('StepCommand');
    const bytes = v2!.type.toBuffer({ ...EVENT_SAMPLES.StepCommand, control: 'PAUSE' });
    const read = v1!.type.fromBuffer(bytes, v1!.type.createResolver(v2!.type)) as Record<string, unknown>;
    expect(read).not.toHaveProperty('control');
    expect(read['stepId']).toBe(EVENT_SAMPLES.StepCommand.stepId);
  });
});

describe('compatibility check (it must be able to fail)', () => {
  const base = {
    type: 'record',
    name: 'Probe',
    namespace: 'io.shipshape.events',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'level', type: { type: 'enum', name: 'Level', symbols: ['LOW', 'HIGH'] } },
    ],
  };
  const probe = (schemas: object[]) =>
    new SchemaRegistry(schemas.map((schema, i) => ({ eventType: 'Probe', version: i + 1, schema }))).versions('Probe');

  it('accepts a new optional field with a default', () => {
    const v2 = { ...base, fields: [...base.fields, { name: 'note', type: ['null', 'string'], default: null }] };
    expect(checkEvolution(probe([base, v2]))).toEqual([]);
  });

  it('flags a new field without a default as not backward compatible', () => {
    const v2 = { ...base, fields: [...base.fields, { name: 'note', type: 'string' }] };
    const problems = checkEvolution(probe([base, v2]));
    expect(problems.map((p) => [p.direction, p.writerVersion, p.readerVersion])).toEqual([['backward', 1, 2]]);
  });

  it('flags a removed field without a default as not forward compatible', () => {
    const v2 = { ...base, fields: [base.fields[1]] };
    const problems = checkEvolution(probe([base, v2]));
    expect(problems.map((p) => [p.direction, p.writerVersion, p.readerVersion])).toEqual([['forward', 2, 1]]);
  });

  it('flags a new enum symbol when the enum has no default, and accepts it with one', () => {
    const grown = (withDefault: boolean) => ({
      ...base,
      fields: [base.fields[0], { name: 'level', type: { type: 'enum', name: 'Level', symbols: ['LOW', 'HIGH', 'URGENT'], ...(withDefault ? { default: 'LOW' } : {}) } }],
    });
    expect(checkEvolution(probe([base, grown(false)])).map((p) => p.direction)).toEqual(['forward']);
    // The old reader (v1) has no default either, so only a v1 with a default accepts URGENT.
    const baseWithDefault = { ...base, fields: [base.fields[0], { name: 'level', type: { type: 'enum', name: 'Level', symbols: ['LOW', 'HIGH'], default: 'LOW' } }] };
    expect(checkEvolution(probe([baseWithDefault, grown(true)]))).toEqual([]);
  });

  it('checks every pair, not only neighbours', () => {
    const v2 = { ...base, fields: [...base.fields, { name: 'note', type: ['null', 'string'], default: null }] };
    const v3 = { ...base, fields: [base.fields[0], { name: 'note', type: ['null', 'string'], default: null }] };
    const problems = checkEvolution(probe([base, v2, v3]));
    // v3 drops "level" (no default): v1 and v2 cannot read v3.
    expect(problems.map((p) => `${p.direction}:${p.writerVersion}->${p.readerVersion}`).sort()).toEqual(['forward:3->1', 'forward:3->2']);
  });
});

describe('SchemaRegistry', () => {
  const ping = (extra: object[] = []) => ({ type: 'record', name: 'Ping', fields: [{ name: 'at', type: 'long' }, ...extra] });

  it('rejects gaps in versions, unchanged versions, misnamed and invalid schemas', () => {
    expect(() => new SchemaRegistry([{ eventType: 'Ping', version: 2, schema: ping() }])).toThrow(InvalidSchemaError);
    expect(() =>
      new SchemaRegistry([
        { eventType: 'Ping', version: 1, schema: ping() },
        { eventType: 'Ping', version: 2, schema: { ...ping(), doc: 'only a doc changed' } },
      ]),
    ).toThrow(/same canonical form/);
    expect(() => new SchemaRegistry([{ eventType: 'Pong', version: 1, schema: ping() }])).toThrow(/record named Pong/);
    expect(() => new SchemaRegistry([{ eventType: 'Ping', version: 1, schema: { type: 'record', name: 'Ping', fields: [{ name: 'x', type: 'Nope' }] } }])).toThrow(
      InvalidSchemaError,
    );
    expect(() =>
      new SchemaRegistry([
        {
          eventType: 'Ping',
          version: 1,
          schema: ping([{ name: 'either', type: [{ type: 'record', name: 'A', fields: [] }, { type: 'record', name: 'B', fields: [] }] }]),
        },
      ]),
    ).toThrow(InvalidSchemaError);
  });

  it('finds schemas by fingerprint', () => {
    for (const definition of SCHEMA_DEFINITIONS) {
      const entry = registry.get(definition.eventType, definition.version);
      expect(registry.byFingerprint(entry.fingerprintHex)).toBe(entry);
      expect(registry.byFingerprint(entry.fingerprint)).toBe(entry);
    }
    expect(registry.byFingerprint('0000000000000000')).toBeUndefined();
  });
});
