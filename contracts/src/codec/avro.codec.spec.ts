import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, EVENT_TYPE_NAMES, LATEST_SCHEMA_VERSIONS, type EventTypeName, type StepResult } from '../generated/events.generated';
import { SCHEMA_DEFINITIONS } from '../generated/schemas.generated';
import { EVENT_SAMPLES, sampleEvent } from '../samples/event.samples';
import javaVectors from './__fixtures__/avro-java-vectors.json';
import { AvroCodec, type DecodedEvent } from './avro.codec';
import {
  BadMagicError,
  CodecError,
  CodecValidationError,
  IncompatibleSchemaError,
  MalformedMessageError,
  TrailingBytesError,
  TruncatedMessageError,
  UnknownFingerprintError,
  UnknownSchemaError,
} from './codec.errors';
import { SchemaRegistry } from './schema.registry';

const codec = AvroCodec.fromContracts();

function expectCodecError<E extends CodecError>(action: () => unknown, kind: new (...args: never[]) => E, code: string): E {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    expect((error as CodecError).code).toBe(code);
    return error as E;
  }
  throw new Error(`expected ${kind.name}`);
}

describe('AvroCodec round trip', () => {
  it.each(EVENT_TYPE_NAMES)('%s: encodes, then decodes to an equal value', (eventType) => {
    const sample = sampleEvent(eventType);

    const bytes = codec.encode(eventType, sample);
    const decoded = codec.decode(bytes);

    expect(decoded.eventType).toBe(eventType);
    expect(decoded.writerVersion).toBe(LATEST_SCHEMA_VERSIONS[eventType]);
    expect(decoded.readerVersion).toBe(LATEST_SCHEMA_VERSIONS[eventType]);
    expect({ ...decoded.value }).toEqual(sample);
    expect(JSON.parse(JSON.stringify(decoded.value))).toEqual(JSON.parse(JSON.stringify(sample)));
  });

  it('covers exactly the event types in EVENT_TYPES and the schema folders', () => {
    expect(Object.values(EVENT_TYPES).sort()).toEqual([...EVENT_TYPE_NAMES].sort());
    expect(new Set(SCHEMA_DEFINITIONS.map((d) => d.eventType))).toEqual(new Set(EVENT_TYPE_NAMES));
    expect(Object.keys(EVENT_SAMPLES).sort()).toEqual([...EVENT_TYPE_NAMES].sort());
  });

  it('writes the single-object header: C3 01, then the writer fingerprint little-endian', () => {
    const bytes = codec.encode('RunEvent', EVENT_SAMPLES.RunEvent);

    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(bytes.subarray(2, 10)).toEqual(codec.fingerprintOf('RunEvent'));
    expect(codec.readHeader(bytes)).toEqual({ eventType: 'RunEvent', version: 1, fingerprint: bytes.toString('hex', 2, 10) });
  });

  it('produces the same bytes as Apache Avro (Java) and reads bytes Java wrote', () => {
    const latest = javaVectors.messages.filter((m) => !('projectedFromLatest' in m));
    expect(latest.map((m) => m.eventType).sort()).toEqual([...EVENT_TYPE_NAMES].sort());
    for (const message of latest) {
      const eventType = message.eventType as EventTypeName;
      expect(codec.encode(eventType, EVENT_SAMPLES[eventType]).toString('hex'), eventType).toBe(message.hex);
      const decoded = codec.decode(Buffer.from(message.hex, 'hex'));
      expect(JSON.parse(JSON.stringify(decoded.value)), eventType).toEqual(message.javaRecord);
    }
  });

  it('reads a StepResult v1 message written by Java into v2, filling the new fields with their defaults', () => {
    const v1 = javaVectors.messages.find((m) => 'projectedFromLatest' in m && m.eventType === 'StepResult' && m.version === 1);
    expect(v1).toBeDefined();
    const bytes = Buffer.from(v1!.hex, 'hex');

    const decoded = codec.decode(bytes);

    expect(decoded.writerVersion).toBe(1);
    expect(decoded.readerVersion).toBe(LATEST_SCHEMA_VERSIONS.StepResult);
    expect(bytes.subarray(2, 10)).toEqual(codec.fingerprintOf('StepResult', 1));
    expect(decoded.value).toMatchObject({ ...EVENT_SAMPLES.StepResult, links: [], retryAfterMs: null });
  });

  it('fills schema defaults for fields left out', () => {
    const bytes = codec.encodeEvent('Notification', {
      eventId: 'n-1',
      occurredAt: 1,
      team: 'payments',
      severity: 'INFO',
      title: 't',
      body: 'b',
    });
    const decoded = codec.decodeAs(bytes, 'Notification');
    expect(decoded.value).toEqual({
      eventId: 'n-1',
      occurredAt: 1,
      team: 'payments',
      severity: 'INFO',
      title: 't',
      body: 'b',
      links: [],
      taskId: null,
      runId: null,
      application: null,
    });
  });

  it('narrows decoded values by eventType', () => {
    const decoded: DecodedEvent = codec.decode(codec.encodeEvent('StepResult', EVENT_SAMPLES.StepResult));
    switch (decoded.eventType) {
      case 'StepResult': {
        const result: StepResult = decoded.value;
        expect(result.errorClass).toBe('TEST_FAILURE');
        break;
      }
      default:
        throw new Error(`unexpected ${decoded.eventType}`);
    }
  });

  it('checks values at compile time in encodeEvent', () => {
    // @ts-expect-error severity must be one of the Severity symbols
    expect(() => codec.encodeEvent('Notification', { ...EVENT_SAMPLES.Notification, severity: 'LOUD' })).toThrow(CodecValidationError);
    // @ts-expect-error attempt is an int
    expect(() => codec.encodeEvent('StepResult', { ...EVENT_SAMPLES.StepResult, attempt: '2' })).toThrow(CodecValidationError);
  });

  it('decodes into an older reader version on request', () => {
    const bytes = codec.encode('StepResult', EVENT_SAMPLES.StepResult);

    const asV1 = codec.decodeAs(bytes, 'StepResult', 1);

    expect(asV1.writerVersion).toBe(LATEST_SCHEMA_VERSIONS.StepResult);
    expect(asV1.readerVersion).toBe(1);
    expect(asV1.value).not.toHaveProperty('links');
    expect(asV1.value).not.toHaveProperty('retryAfterMs');
    expect(asV1.value).toMatchObject({ stepId: EVENT_SAMPLES.StepResult.stepId, errorClass: 'TEST_FAILURE' });
  });

  it('returns a copy from fingerprintOf, distinct per version', () => {
    const fp = codec.fingerprintOf('StepResult');
    fp.fill(0);
    expect(codec.fingerprintOf('StepResult')).not.toEqual(fp);
    expect(codec.fingerprintOf('StepResult', 1)).not.toEqual(codec.fingerprintOf('StepResult', 2));
    expect(codec.fingerprintOf('StepResult')).toEqual(codec.fingerprintOf('StepResult', LATEST_SCHEMA_VERSIONS.StepResult));
  });

  it('grows its scratch buffer for large events', () => {
    const big = { ...EVENT_SAMPLES.Notification, body: 'x'.repeat(200_000) };
    expect(codec.decodeAs(codec.encode('Notification', big), 'Notification').value.body).toHaveLength(200_000);
    expect(codec.decode(codec.encode('Notification', EVENT_SAMPLES.Notification)).value).toEqual(EVENT_SAMPLES.Notification);
  });
});

describe('AvroCodec validation', () => {
  it('names every bad field path, nested ones included, without echoing values', () => {
    const bad = {
      ...EVENT_SAMPLES.StepCommand,
      attempt: 1.5,
      application: { ...EVENT_SAMPLES.StepCommand.application, team: 42 },
      rules: [{ recipe: null }],
      componentChange: { ...EVENT_SAMPLES.StepCommand.componentChange, kind: 'PLUGIN' },
    };

    const error = expectCodecError(() => codec.encode('StepCommand', bad), CodecValidationError, 'CONTRACTS.VALIDATION_FAILED');

    expect(error.paths).toEqual(expect.arrayContaining(['attempt', 'application.team', 'rules.0.recipe', 'componentChange.kind']));
    expect(error.issues.find((i) => i.path === 'application.team')).toEqual({ path: 'application.team', expected: 'string', actual: 'number' });
    expect(error.message).toContain('application.team');
    expect(JSON.stringify(error.toJSON())).not.toContain('PLUGIN');
  });

  it('rejects undeclared fields, naming them', () => {
    const error = expectCodecError(
      () => codec.encode('RunEvent', { ...EVENT_SAMPLES.RunEvent, progress: { phase: 'x', percnt: 5 }, extra: 1 }),
      CodecValidationError,
      'CONTRACTS.VALIDATION_FAILED',
    );
    expect(error.paths).toEqual(expect.arrayContaining(['extra', 'progress.percnt']));
  });

  it('rejects a missing required field and a non-object', () => {
    const { team: _team, ...withoutTeam } = EVENT_SAMPLES.Notification;
    expect(expectCodecError(() => codec.encode('Notification', withoutTeam), CodecValidationError, 'CONTRACTS.VALIDATION_FAILED').paths).toEqual(['team']);
    expect(expectCodecError(() => codec.encode('Notification', 'hello'), CodecValidationError, 'CONTRACTS.VALIDATION_FAILED').paths).toEqual(['']);
  });

  it('rejects an unknown event type', () => {
    expectCodecError(() => codec.encode('Nope' as EventTypeName, {}), UnknownSchemaError, 'CONTRACTS.UNKNOWN_SCHEMA');
    expectCodecError(() => codec.fingerprintOf('StepResult', LATEST_SCHEMA_VERSIONS.StepResult + 1), UnknownSchemaError, 'CONTRACTS.UNKNOWN_SCHEMA');
  });
});

describe('AvroCodec decoding errors', () => {
  const good = codec.encode('StepCommand', EVENT_SAMPLES.StepCommand);

  it('bad magic', () => {
    const bytes = Buffer.from(good);
    bytes[0] = 0x00;
    expect(expectCodecError(() => codec.decode(bytes), BadMagicError, 'CONTRACTS.BAD_MAGIC').actual).toBe('0001');
    const v2 = Buffer.from(good);
    v2[1] = 0x02;
    expectCodecError(() => codec.decode(v2), BadMagicError, 'CONTRACTS.BAD_MAGIC');
    expectCodecError(() => codec.decode(Buffer.from('{"json":true}')), BadMagicError, 'CONTRACTS.BAD_MAGIC');
    expectCodecError(() => codec.decode(Buffer.from([0x7b])), BadMagicError, 'CONTRACTS.BAD_MAGIC');
  });

  it('unknown fingerprint, carrying its hex', () => {
    const bytes = Buffer.from(good);
    bytes.write('0102030405060708', 2, 'hex');
    const error = expectCodecError(() => codec.decode(bytes), UnknownFingerprintError, 'CONTRACTS.UNKNOWN_FINGERPRINT');
    expect(error.fingerprint).toBe('0102030405060708');
    expect(error.toJSON().details).toEqual({ fingerprint: '0102030405060708' });
  });

  it('truncated header', () => {
    for (const length of [0, 1, 2, 9]) {
      const error = expectCodecError(() => codec.decode(good.subarray(0, length)), TruncatedMessageError, 'CONTRACTS.TRUNCATED_MESSAGE');
      expect(error.part).toBe('header');
    }
  });

  it('truncated body', () => {
    for (const cut of [10, 11, 40, good.length - 1]) {
      const error = expectCodecError(() => codec.decode(good.subarray(0, cut)), TruncatedMessageError, 'CONTRACTS.TRUNCATED_MESSAGE');
      expect(error.part).toBe('body');
    }
  });

  it('trailing bytes', () => {
    const bytes = Buffer.concat([good, Buffer.from([0, 0, 0])]);
    expect(expectCodecError(() => codec.decode(bytes), TrailingBytesError, 'CONTRACTS.TRAILING_BYTES').trailing).toBe(3);
    expectCodecError(() => codec.decodeAs(bytes, 'StepCommand'), TrailingBytesError, 'CONTRACTS.TRAILING_BYTES');
  });

  it('malformed body (enum index out of range)', () => {
    // InventoryChange: eventId, observedAt, application, component{ecosystem, coordinates}, then the kind enum.
    const header = codec.encode('InventoryChange', EVENT_SAMPLES.InventoryChange).subarray(0, 10);
    const str = (s: string) => Buffer.concat([Buffer.from([s.length * 2]), Buffer.from(s)]);
    const body = Buffer.concat([str('e'), Buffer.from([0x02]), str('a'), str('maven'), str('g:a'), Buffer.from([0x7e])]);
    expectCodecError(() => codec.decode(Buffer.concat([header, body])), MalformedMessageError, 'CONTRACTS.MALFORMED_MESSAGE');
  });

  it('a reader of another event type cannot read the message', () => {
    expectCodecError(() => codec.decodeAs(good, 'RunEvent'), IncompatibleSchemaError, 'CONTRACTS.INCOMPATIBLE_SCHEMA');
  });

  it('a codec over other schemas does not know contracts fingerprints', () => {
    const other = new AvroCodec(
      new SchemaRegistry([{ eventType: 'Ping', version: 1, schema: { type: 'record', name: 'Ping', fields: [{ name: 'at', type: 'long' }] } }]),
    );
    expectCodecError(() => other.decode(good), UnknownFingerprintError, 'CONTRACTS.UNKNOWN_FINGERPRINT');
  });
});
