import { types, type Type } from 'avsc';

/**
 * A corrupt or hostile message can claim an array or map block of billions of items; avsc would
 * then loop (and allocate) that many times past the end of the buffer before noticing. Every
 * map entry and, in the schemas the registry accepts, every array item takes at least one byte,
 * so a block count larger than the bytes left is impossible: these types fail fast instead.
 */
export class BlockCountError extends Error {
  constructor(
    readonly count: number,
    readonly remaining: number,
  ) {
    super(`block of ${count} items but only ${remaining} bytes left`);
  }
}

/** The parts of avsc's internal Tap the guarded readers use. */
interface Tap {
  readonly buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
}

interface Reader {
  _read(tap: Tap): unknown;
}

function blockSize(tap: Tap): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // byte size of the block
  }
  const remaining = tap.buf.length - tap.pos;
  if (n > remaining) throw new BlockCountError(n, remaining);
  return n;
}

class GuardedArrayType extends types.ArrayType {
  /** Same as avsc's ArrayType._read, with the block count checked. `this` may be a resolver. */
  _read(tap: Tap): unknown[] {
    const items = this.itemsType as unknown as Reader;
    const out: unknown[] = [];
    let n: number;
    while ((n = blockSize(tap))) {
      while (n--) out.push(items._read(tap));
    }
    return out;
  }
}

class GuardedMapType extends types.MapType {
  _read(tap: Tap): Record<string, unknown> {
    const values = this.valuesType as Reader;
    const out: Record<string, unknown> = {};
    let n: number;
    while ((n = blockSize(tap))) {
      while (n--) {
        const key = tap.readString();
        out[key] = values._read(tap);
      }
    }
    return out;
  }
}

/** avsc `typeHook`: arrays and maps get the guarded readers. */
export function guardedTypeHook(schema: unknown, opts: unknown): Type | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const kind = (schema as { type?: unknown }).type;
  if (kind === 'array') return new GuardedArrayType(schema as never, opts);
  if (kind === 'map') return new GuardedMapType(schema as never, opts);
  return undefined;
}

/**
 * The fewest bytes a value of `type` can take in Avro binary. Arrays whose items can take zero
 * bytes (null, empty records, zero-size fixed) would defeat the guard; the registry refuses them.
 */
export function minEncodedSize(type: Type, inProgress: Set<Type> = new Set()): number {
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return (type as types.FixedType).size;
    case 'record':
    case 'error': {
      if (inProgress.has(type)) return 0;
      inProgress.add(type);
      const size = (type as types.RecordType).fields.reduce((sum, f) => sum + minEncodedSize(f.type, inProgress), 0);
      inProgress.delete(type);
      return size;
    }
    default:
      // boolean, int, long, enum, string, bytes, array, map, union: at least one byte.
      return 1;
  }
}

/** Paths of arrays in `type` whose items can encode to zero bytes. */
export function zeroSizeArrayItems(type: Type, path = '', seen: Set<Type> = new Set()): string[] {
  if (seen.has(type)) return [];
  seen.add(type);
  switch (type.typeName) {
    case 'record':
    case 'error':
      return (type as types.RecordType).fields.flatMap((f) => zeroSizeArrayItems(f.type, path ? `${path}.${f.name}` : f.name, seen));
    case 'array': {
      const items = (type as types.ArrayType).itemsType;
      return [...(minEncodedSize(items) === 0 ? [path || '(root)'] : []), ...zeroSizeArrayItems(items, path, seen)];
    }
    case 'map':
      return zeroSizeArrayItems((type as types.MapType).valuesType as Type, path, seen);
    case 'union:unwrapped':
    case 'union:wrapped':
      return (type as types.UnwrappedUnionType).types.flatMap((t) => zeroSizeArrayItems(t, path, seen));
    default:
      return [];
  }
}
