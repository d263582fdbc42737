import { describe, expect, it } from 'vitest';
import { AvroCodec } from './avro.codec';
import { InvalidSchemaError, TruncatedMessageError } from './codec.errors';
import { SchemaRegistry } from './schema.registry';

const codec = AvroCodec.fromContracts();

/** Avro long: zig-zag, then base-128 varint (numbers, so counts above 2^31 work). */
function long(value: number): Buffer {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  const bytes: number[] = [];
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
const str = (s: string) => Buffer.concat([long(Buffer.byteLength(s)), Buffer.from(s)]);
const header = (eventType: 'Notification' | 'RuntimeInstanceEvent') => Buffer.concat([Buffer.from([0xc3, 0x01]), codec.fingerprintOf(eventType)]);
/** Notification up to (not including) its `links` array. */
const notificationHead = () => Buffer.concat([str('e-1'), long(1), str('payments'), long(0), str('title'), str('body')]);

describe('block count guard', () => {
  it('rejects an array block claiming more items than bytes left, without looping over them', () => {
    const bytes = Buffer.concat([header('Notification'), notificationHead(), long(2 ** 31), Buffer.from([0, 0, 0])]);
    const started = Date.now();
    expect(() => codec.decode(bytes)).toThrow(TruncatedMessageError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('rejects a map block claiming more entries than bytes left', () => {
    const head = Buffer.concat([
      str('e-1'), long(1), str('app'), str('app-1'), str('127.0.0.1:1'), str('1.0.0'), long(0), long(0), long(0), str('production'), str('local'),
    ]);
    const bytes = Buffer.concat([header('RuntimeInstanceEvent'), head, long(2 ** 40), Buffer.from([0])]);
    expect(() => codec.decode(bytes)).toThrow(TruncatedMessageError);
  });

  it('still reads blocks with a negative count and a byte size (as Avro allows)', () => {
    const link = Buffer.concat([str('a'), str('b')]);
    const bytes = Buffer.concat([header('Notification'), notificationHead(), long(-1), long(link.length), link, long(0), long(0), long(0), long(0)]);
    expect(codec.decodeAs(bytes, 'Notification').value.links).toEqual([{ label: 'a', url: 'b' }]);
  });

  it('the registry refuses arrays whose items can take zero bytes', () => {
    const schema = { type: 'record', name: 'Ping', fields: [{ name: 'nothing', type: { type: 'array', items: 'null' } }] };
    expect(() => new SchemaRegistry([{ eventType: 'Ping', version: 1, schema }])).toThrow(InvalidSchemaError);
    expect(() => new SchemaRegistry([{ eventType: 'Ping', version: 1, schema }])).toThrow(/zero bytes .*nothing/);
  });
});
