// npm run bench:messaging — N step-result events (BENCH_N, default 100000) written through the
// transactional outbox, published by the relay, and applied through the inbox on the real stack.
// Prints one final JSON line. Latency: outbox commit -> handler commit. BENCH_RATE (events/s) paces
// the producer to measure latency below saturation; unset, it writes as fast as it can.
import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '@shipshape/contracts';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra } from '@shipshape/testkit';
import { DataSource } from 'typeorm';
import { createKafkaClient, InboxConsumer, MESSAGING_MIGRATIONS, OutboxRelay, OutboxWriter, type OutboxMessage } from '../src';
import { codec, stepResult } from '../test/harness';

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 100_000);
  const txSize = Number(process.env.BENCH_TX_SIZE ?? 100);
  const rate = Number(process.env.BENCH_RATE ?? 0);
  const infra = await getTestInfra();
  const db = await createTestDatabase('bench_messaging');
  const topic = `bench.messaging.${randomUUID().slice(0, 8)}`;
  await createTopics(infra.kafkaBrokers, [
    { name: topic, partitions: 6 },
    { name: `${topic}.dlq`, partitions: 1 },
  ]);
  const dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MESSAGING_MIGRATIONS, extra: { max: 10 } });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.query('CREATE TABLE bench_effects (id bigserial PRIMARY KEY, message_id text NOT NULL)');

  const kafka = createKafkaClient({ clientId: 'bench-messaging', brokers: infra.kafkaBrokers });
  const commitAt = new Float64Array(n);
  const latencies = new Float64Array(n);
  let observed = 0;
  let lastHandlerCommit = 0;

  const relay = new OutboxRelay({ database: { connectionString: db.url }, kafka, batchSize: 1000, pollIntervalMs: 20 });
  const consumer = new InboxConsumer({
    consumer: 'bench-messaging',
    topics: [topic],
    kafka,
    dataSource,
    codec,
    transactionBatchSize: 200,
    partitionsConsumedConcurrently: 6,
    handlers: {
      [EVENT_TYPES.stepResult]: async (event, ctx) => {
        await ctx.tx.query('INSERT INTO bench_effects (message_id) VALUES ($1)', [event.messageId]);
      },
    },
    afterCommit: (events) => {
      const now = performance.now();
      lastHandlerCommit = now;
      for (const e of events) {
        const i = Number(e.messageId.slice(2));
        if (observed < n && commitAt[i]! > 0) latencies[observed++] = now - commitAt[i]!;
      }
    },
  });
  await relay.start();
  await consumer.start();

  const writer = new OutboxWriter(codec);
  const started = performance.now();
  for (let i = 0; i < n; i += txSize) {
    const batch: OutboxMessage[] = [];
    for (let j = i; j < Math.min(n, i + txSize); j++) {
      const runId = `run-${j % 1000}`;
      batch.push({ topic, key: runId, eventType: EVENT_TYPES.stepResult, value: stepResult(runId, j), messageId: `b-${j}` });
    }
    await dataSource.transaction((tx) => writer.addMany(tx, batch));
    const now = performance.now();
    for (let j = i; j < Math.min(n, i + txSize); j++) commitAt[j] = now;
    if (rate > 0) {
      const due = started + ((i + txSize) / rate) * 1000;
      if (due > now) await new Promise((r) => setTimeout(r, due - now));
    }
  }
  const produced = performance.now();

  const deadline = Date.now() + Number(process.env.BENCH_TIMEOUT_MS ?? 15 * 60_000);
  let counts = { total: 0, distinct: 0 };
  while (Date.now() < deadline) {
    const [row] = await dataSource.query('SELECT count(*)::int AS total, count(DISTINCT message_id)::int AS distinct FROM bench_effects');
    counts = row;
    if (counts.distinct >= n) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await consumer.stop();
  await relay.stop();
  const [final] = await dataSource.query('SELECT count(*)::int AS total, count(DISTINCT message_id)::int AS distinct FROM bench_effects');
  counts = final;
  await dataSource.destroy();
  await db.drop();
  await deleteTopics(infra.kafkaBrokers, [topic, `${topic}.dlq`]);

  const sorted = latencies.slice(0, observed).sort();
  const seconds = (lastHandlerCommit - started) / 1000;
  const result = {
    bench: 'messaging',
    n,
    rate: rate > 0 ? rate : 'max',
    events_per_s: Math.round(counts.distinct / seconds),
    produce_per_s: Math.round(n / ((produced - started) / 1000)),
    p50_ms: Math.round(percentile(sorted, 50) * 10) / 10,
    p99_ms: Math.round(percentile(sorted, 99) * 10) / 10,
    lost: n - counts.distinct,
    duplicated: counts.total - counts.distinct,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(JSON.stringify(result));
  process.exit(result.lost === 0 && result.duplicated === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
