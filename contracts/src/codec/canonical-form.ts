/**
 * Parsing Canonical Form (Avro specification, "Parsing Canonical Form for Schemas"), computed from
 * the schema JSON without any Avro library:
 * - [PRIMITIVES] `{"type":"int"}` becomes `"int"`;
 * - [FULLNAMES] every name becomes its fullname, namespaces are dropped;
 * - [STRIP] only `type`, `name`, `fields`, `symbols`, `items`, `values` and `size` remain
 *   (no `doc`, `aliases`, `default`, `order`, `logicalType`, …);
 * - [ORDER] keys in the order name, type, fields, symbols, items, values, size;
 * - [STRINGS]/[INTEGERS]/[WHITESPACE] JSON literals as `JSON.stringify` writes them, no whitespace.
 * A named type is written in full where it is first defined and as its fullname everywhere after.
 */
import { InvalidSchemaError } from './codec.errors';

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function toParsingCanonicalForm(schema: unknown): string {
  return write(schema as Json, '', new Set<string>());
}

function fullnameOf(name: string, namespace: string): string {
  if (name.includes('.')) return name;
  return namespace ? `${namespace}.${name}` : name;
}

function namespaceOf(fullname: string): string {
  const dot = fullname.lastIndexOf('.');
  return dot < 0 ? '' : fullname.slice(0, dot);
}

function write(schema: Json, namespace: string, defined: Set<string>): string {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return JSON.stringify(schema);
    const qualified = fullnameOf(schema, namespace);
    if (defined.has(qualified)) return JSON.stringify(qualified);
    if (defined.has(schema)) return JSON.stringify(schema);
    throw new InvalidSchemaError(`undefined name "${schema}"`);
  }
  if (Array.isArray(schema)) {
    return `[${schema.map((branch) => write(branch, namespace, defined)).join(',')}]`;
  }
  if (schema === null || typeof schema !== 'object') {
    throw new InvalidSchemaError(`not a schema: ${JSON.stringify(schema)}`);
  }
  const type = schema['type'];
  if (typeof type !== 'string') {
    // {"type": {...}} or {"type": [...]}: the attribute holds the real schema.
    if (type !== undefined && type !== null) return write(type, namespace, defined);
    throw new InvalidSchemaError('schema object without "type"');
  }
  if (PRIMITIVES.has(type)) return JSON.stringify(type);
  switch (type) {
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed': {
      const name = schema['name'];
      if (typeof name !== 'string') throw new InvalidSchemaError(`${type} without a name`);
      const ns = name.includes('.') ? '' : typeof schema['namespace'] === 'string' ? schema['namespace'] : namespace;
      const fullname = fullnameOf(name, ns);
      if (defined.has(fullname)) throw new InvalidSchemaError(`"${fullname}" is defined twice`);
      defined.add(fullname);
      const head = `{"name":${JSON.stringify(fullname)},"type":${JSON.stringify(type)}`;
      if (type === 'enum') {
        return `${head},"symbols":${JSON.stringify(schema['symbols'])}}`;
      }
      if (type === 'fixed') {
        return `${head},"size":${JSON.stringify(schema['size'])}}`;
      }
      const fields = schema['fields'];
      if (!Array.isArray(fields)) throw new InvalidSchemaError(`record "${fullname}" without fields`);
      const inner = namespaceOf(fullname);
      const written = fields.map((field) => {
        if (field === null || typeof field !== 'object' || Array.isArray(field)) {
          throw new InvalidSchemaError(`bad field in "${fullname}"`);
        }
        return `{"name":${JSON.stringify(field['name'])},"type":${write(field['type'] ?? null, inner, defined)}}`;
      });
      return `${head},"fields":[${written.join(',')}]}`;
    }
    case 'array':
      return `{"type":"array","items":${write(schema['items'] ?? null, namespace, defined)}}`;
    case 'map':
      return `{"type":"map","values":${write(schema['values'] ?? null, namespace, defined)}}`;
    default:
      // A reference written as {"type": "some.Name"}.
      return write(type, namespace, defined);
  }
}
