import type { types } from 'avsc';
import { describe, expect, it } from 'vitest';
import { parseSchema } from './codec/schema.registry';
import { ERROR_CLASSES, ERROR_CLASS_POLICY, isErrorClass } from './error-classes';
import { AVRO_ENUM_SYMBOLS } from './generated/events.generated';
import { SCHEMA_DEFINITIONS } from './generated/schemas.generated';

/** Every ErrorClass enum in a parsed schema (there may be none). */
function errorClassEnums(schema: unknown): types.EnumType[] {
  const found: types.EnumType[] = [];
  const seen = new Set<unknown>();
  const visit = (type: { typeName: string; name?: string | undefined }): void => {
    if (seen.has(type)) return;
    seen.add(type);
    if (type.typeName === 'enum' && type.name === 'io.shipshape.events.ErrorClass') found.push(type as types.EnumType);
    const t = type as unknown as { fields?: { type: typeof type }[]; types?: (typeof type)[]; itemsType?: typeof type; valuesType?: typeof type };
    for (const child of [...(t.fields?.map((f) => f.type) ?? []), ...(t.types ?? []), t.itemsType, t.valuesType]) if (child) visit(child);
  };
  visit(parseSchema(schema));
  return found;
}

describe('error classes', () => {
  it('the generated ErrorClass enum has exactly the symbols of ERROR_CLASSES, in order', () => {
    expect(AVRO_ENUM_SYMBOLS.ErrorClass).toEqual([...ERROR_CLASSES]);
  });

  it('every schema version that carries ErrorClass agrees with ERROR_CLASSES and falls back to INTERNAL', () => {
    const carriers = SCHEMA_DEFINITIONS.filter((d) => errorClassEnums(d.schema).length > 0).map((d) => `${d.eventType}/v${d.version}`);
    expect(carriers).toEqual(expect.arrayContaining(['StepResult/v1', 'StepResult/v2', 'RunEvent/v1']));
    for (const definition of SCHEMA_DEFINITIONS) {
      for (const found of errorClassEnums(definition.schema)) {
        expect(found.symbols, `${definition.eventType} v${definition.version}`).toEqual([...ERROR_CLASSES]);
        expect((found as unknown as { default?: string }).default).toBe('INTERNAL');
      }
    }
  });

  it('has a policy for every class and nothing else', () => {
    expect(Object.keys(ERROR_CLASS_POLICY)).toEqual([...ERROR_CLASSES]);
    expect(isErrorClass('MERGE_CONFLICT')).toBe(true);
    expect(isErrorClass('merge_conflict')).toBe(false);
  });
});
