/**
 * Quick throughput check of the contracts codec: `npx tsx contracts/scripts/codec.bench.ts`.
 * Encodes and decodes each sample event in a tight loop and prints messages per second.
 */
import { AvroCodec, EVENT_SAMPLES, type EventTypeName } from '../src';

const codec = AvroCodec.fromContracts();
const DURATION_MS = Number(process.env['BENCH_MS'] ?? 1000);

function measure(label: string, op: () => unknown): void {
  for (let i = 0; i < 5_000; i++) op(); // warm up
  let count = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(DURATION_MS) * 1_000_000n;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 1_000; i++) op();
    count += 1_000;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  console.log(`${label.padEnd(44)} ${Math.round(count / seconds).toLocaleString('en-US').padStart(12)} msg/s`);
}

const types: EventTypeName[] = ['StepResult', 'StepCommand', 'RunEvent'];
for (const eventType of types) {
  const value = EVENT_SAMPLES[eventType];
  const bytes = codec.encode(eventType, value);
  measure(`encode ${eventType} (${bytes.length} B)`, () => codec.encode(eventType, value));
  measure(`decode ${eventType} (${bytes.length} B)`, () => codec.decode(bytes));
}
const v1 = codec.registry.get('StepResult', 1);
const { links: _links, retryAfterMs: _retry, ...asV1 } = EVENT_SAMPLES.StepResult;
const v1Bytes = Buffer.concat([Buffer.from([0xc3, 0x01]), v1.fingerprint, v1.type.toBuffer(asV1)]);
measure('decode StepResult v1 -> v2 (resolver)', () => codec.decode(v1Bytes));
