import { randomUUID } from 'node:crypto';
import { EVENT_TYPES } from '@shipshape/contracts';
import { waitFor } from '@shipshape/testkit';
import { startTelemetry } from '@shipshape/telemetry';
import { trace } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codec, diedOfSigkill, effectCounts, exitOf, messagingFixture, outboxMessage, recordEffect, spawnScript, stepResult, type MessagingFixture } from '../test/harness';
import { HEADERS, InboxConsumer, NonRetryableError, OutboxRelay, OutboxWriter, type EventHandler, type InboxConsumerOptions } from './index';

describe('messaging on real Kafka and Postgres', () => {
  let fx: MessagingFixture;
  const stoppers: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    fx = await messagingFixture('msg');
  });

  afterEach(async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
    await fx.cleanup();
  });

  async function startRelay(batchSize = 200): Promise<OutboxRelay> {
    const relay = new OutboxRelay({ database: { connectionString: fx.databaseUrl }, kafka: fx.kafka, batchSize, pollIntervalMs: 50 });
    await relay.start();
    stoppers.push(() => relay.stop());
    return relay;
  }

  async function startConsumer(overrides: Partial<InboxConsumerOptions> = {}, group = `g-${randomUUID()}`): Promise<InboxConsumer> {
    const consumer = new InboxConsumer({
      consumer: group,
      topics: [fx.topic],
      kafka: fx.kafka,
      dataSource: fx.dataSource,
      codec,
      handlers: { [EVENT_TYPES.stepResult]: recordEffect },
      retry: { initialDelayMs: 20, maxDelayMs: 100 },
      ...overrides,
    });
    await consumer.start();
    stoppers.push(() => consumer.stop());
    return consumer;
  }

  async function produceRaw(messages: Array<{ key: string; value: Buffer; messageId?: string }>): Promise<void> {
    const producer = fx.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: fx.topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.messageId ? { [HEADERS.messageId]: m.messageId } : {} })),
    });
    await producer.disconnect();
  }

  async function readAll(topic: string, expected: number): Promise<KafkaMessage[]> {
    const seen: KafkaMessage[] = [];
    const consumer = fx.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
    try {
      await waitFor(() => seen.length >= expected, { timeoutMs: 20_000 });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  async function committedOffsets(group: string): Promise<number> {
    const admin = fx.kafka.admin();
    await admin.connect();
    const [topic] = await admin.fetchOffsets({ groupId: group, topics: [fx.topic] });
    await admin.disconnect();
    return (topic?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }

  it('publishes through the outbox and applies every event once, in commit order per key', async () => {
    const writer = new OutboxWriter(codec);
    const keys = ['run-a', 'run-b', 'run-c', 'run-d'];
    for (let seq = 1; seq <= 30; seq++) {
      // One transaction per sequence number, touching every key: interleaved keys, ordered within a key.
      await fx.dataSource.transaction((tx) => writer.addMany(tx, keys.map((k) => outboxMessage(fx.topic, k, seq))));
    }
    await startRelay(50);
    await startConsumer();

    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 120, { timeoutMs: 30_000 });
    expect(await effectCounts(fx.dataSource)).toEqual({ total: 120, distinct: 120 });
    const rows: Array<{ run_key: string; seq: number }> = await fx.dataSource.query('SELECT run_key, seq FROM effects ORDER BY id');
    for (const key of keys) {
      expect(rows.filter((r) => r.run_key === key).map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
    const [pending] = await fx.dataSource.query('SELECT count(*)::int AS n FROM messaging_outbox WHERE published_at IS NULL');
    expect(pending.n).toBe(0);
  });

  it('writes 20,000 keys in one transaction under one ordering lock (one lock per key would overflow the lock table)', async () => {
    const writer = new OutboxWriter(codec);
    const messages = Array.from({ length: 20_000 }, (_, i) => outboxMessage(fx.topic, `bulk-${i}`, 1));
    const locks = await fx.dataSource.transaction(async (tx) => {
      await writer.addMany(tx, messages, { orderingLock: 'bulk' });
      const [row] = (await tx.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`)) as { n: number }[];
      return row!.n;
    });
    expect(locks).toBe(1);
    const [written] = await fx.dataSource.query('SELECT count(DISTINCT message_key)::int AS n FROM messaging_outbox');
    expect(written.n).toBe(20_000);
  });

  it('keeps commit order per key while the pipelined relay publishes a backlog that concurrent writers keep adding to', async () => {
    const writer = new OutboxWriter(codec);
    const keys = ['run-a', 'run-b', 'run-c', 'run-d', 'run-e'];
    await fx.dataSource.query('CREATE TABLE key_seq (key text PRIMARY KEY, n int NOT NULL)');
    await fx.dataSource.query('INSERT INTO key_seq SELECT unnest($1::text[]), 0', [keys]);
    await startRelay(25);
    await startConsumer({ transactionBatchSize: 40 });
    // Six writers, 40 transactions each, every one touching two keys: the sequence number of a key is
    // taken under its row lock, so it is the key's commit order the consumer must see.
    await Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const pair = [keys[(w + i) % keys.length]!, keys[(w + 2 * i + 1) % keys.length]!].sort();
          const touched = pair[0] === pair[1] ? [pair[0]!] : pair;
          await fx.dataSource.transaction(async (tx) => {
            const messages = [];
            for (const key of touched) {
              const [row] = (await tx.query('UPDATE key_seq SET n = n + 1 WHERE key = $1 RETURNING n', [key]))[0] as Array<{ n: number }>;
              messages.push(outboxMessage(fx.topic, key, row!.n));
            }
            await writer.addMany(tx, messages);
          });
        }
      }),
    );
    const counts: Array<{ key: string; n: number }> = await fx.dataSource.query('SELECT key, n FROM key_seq');
    const total = counts.reduce((sum, c) => sum + c.n, 0);

    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= total, { timeoutMs: 30_000 });
    expect(await effectCounts(fx.dataSource)).toEqual({ total, distinct: total });
    const rows: Array<{ run_key: string; seq: number }> = await fx.dataSource.query('SELECT run_key, seq FROM effects ORDER BY id');
    for (const { key, n } of counts) {
      expect(rows.filter((r) => r.run_key === key).map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
  });

  it('gives a duplicate delivery one effect', async () => {
    const bytes = codec.encode(EVENT_TYPES.stepResult, stepResult('run-dup', 1));
    await produceRaw([
      { key: 'run-dup', value: bytes, messageId: 'step-1' },
      { key: 'run-dup', value: bytes, messageId: 'step-1' },
      { key: 'run-dup', value: codec.encode(EVENT_TYPES.stepResult, stepResult('run-dup', 2)), messageId: 'step-2' },
    ]);
    await startConsumer({ transactionBatchSize: 1 });
    await waitFor(async () => (await effectCounts(fx.dataSource)).distinct >= 2, { timeoutMs: 20_000 });
    expect(await effectCounts(fx.dataSource)).toEqual({ total: 2, distinct: 2 });
  });

  it('publishes a tombstone (null value, the key, the event type header) through the outbox; consumers skip it, no dead letter', async () => {
    const writer = new OutboxWriter(codec);
    await fx.dataSource.transaction((tx) =>
      writer.addMany(tx, [outboxMessage(fx.topic, 'run-t', 1), { topic: fx.topic, key: 'run-t', eventType: EVENT_TYPES.stepResult, value: null, tombstone: true }, outboxMessage(fx.topic, 'run-t', 2)]),
    );
    await startRelay();
    const group = `g-${randomUUID()}`;
    await startConsumer({}, group);

    const published = await readAll(fx.topic, 3);
    expect(published.map((m) => [m.key?.toString(), m.value === null ? 'tombstone' : 'event'])).toEqual([
      ['run-t', 'event'],
      ['run-t', 'tombstone'],
      ['run-t', 'event'],
    ]);
    expect(String(published[1]!.headers?.[HEADERS.eventType])).toBe(EVENT_TYPES.stepResult);
    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 2, { timeoutMs: 20_000 });
    await waitFor(async () => ((await committedOffsets(group)) >= 3 ? true : undefined), { timeoutMs: 20_000, description: 'offsets past the tombstone' });
    expect(await effectCounts(fx.dataSource)).toEqual({ total: 2, distinct: 2 });
    const admin = fx.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(fx.dlq);
    await admin.disconnect();
    expect(offsets.map((o) => o.high)).toEqual(['0']); // nothing dead-lettered
  });

  it('dead-letters a malformed message with its bytes and goes on with the partition', async () => {
    const garbage = Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]);
    await produceRaw([
      { key: 'run-x', value: codec.encode(EVENT_TYPES.stepResult, stepResult('run-x', 1)), messageId: 'x-1' },
      { key: 'run-x', value: garbage, messageId: 'x-bad' },
      { key: 'run-x', value: codec.encode(EVENT_TYPES.stepResult, stepResult('run-x', 2)), messageId: 'x-2' },
    ]);
    await startConsumer();
    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 2, { timeoutMs: 20_000 });

    const [dead] = await readAll(fx.dlq, 1);
    expect(dead!.value).toEqual(garbage);
    expect(dead!.key?.toString()).toBe('run-x');
    const headers = Object.fromEntries(Object.entries(dead!.headers ?? {}).map(([k, v]) => [k, String(v)]));
    expect(headers[HEADERS.originalTopic]).toBe(fx.topic);
    expect(headers[HEADERS.messageId]).toBe('x-bad');
    expect(headers[HEADERS.errorCode]).toMatch(/FINGERPRINT/i);
    expect(headers[HEADERS.errorAttempts]).toBe('0');
    expect(await effectCounts(fx.dataSource)).toEqual({ total: 2, distinct: 2 });
  });

  it('retries a failing handler with backoff, then dead-letters it; non-retryable errors go at once', async () => {
    const attempts = new Map<number, number>();
    const flaky: EventHandler = async (event, ctx) => {
      const seq = (event.value as { attempt: number }).attempt;
      const n = (attempts.get(seq) ?? 0) + 1;
      attempts.set(seq, n);
      if (seq === 1 && n < 3) throw new Error('database hiccup');
      if (seq === 2) throw new Error('always broken');
      if (seq === 3) throw new NonRetryableError('wrong event for this consumer');
      await recordEffect(event, ctx);
    };
    await produceRaw([1, 2, 3, 4].map((seq) => ({ key: 'run-r', value: codec.encode(EVENT_TYPES.stepResult, stepResult('run-r', seq)), messageId: `r-${seq}` })));
    await startConsumer({ handlers: { [EVENT_TYPES.stepResult]: flaky }, retry: { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 40 } });

    const dead = await readAll(fx.dlq, 2);
    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 2, { timeoutMs: 20_000 });
    const rows: Array<{ seq: number }> = await fx.dataSource.query('SELECT seq FROM effects ORDER BY id');
    expect(rows.map((r) => r.seq)).toEqual([1, 4]);
    expect(attempts.get(1)).toBe(3);
    expect(attempts.get(2)).toBe(4);
    expect(attempts.get(3)).toBe(1);
    const deadIds = dead.map((m) => String(m.headers?.[HEADERS.messageId]));
    expect(deadIds).toEqual(['r-2', 'r-3']);
    expect(String(dead[1]!.headers?.[HEADERS.errorCode])).toBe('MESSAGING.NON_RETRYABLE');
  });

  it('has no double effect when a consumer dies between its DB commit and its offset commit', async () => {
    const group = `crash-${randomUUID()}`;
    const n = 100;
    await produceRaw(
      Array.from({ length: n }, (_, i) => ({ key: `run-${i % 5}`, value: codec.encode(EVENT_TYPES.stepResult, stepResult(`run-${i % 5}`, i)), messageId: `c-${i}` })),
    );
    const child = spawnScript('consumer.process.ts', { TEST_DATABASE_URL: fx.databaseUrl, TEST_GROUP: group, TEST_TOPIC: fx.topic, KAFKA_BROKERS: fx.brokers });
    const ended = await exitOf(child);
    expect(diedOfSigkill(ended), ended.stderr).toBe(true);

    const appliedBeforeCrash = (await effectCounts(fx.dataSource)).total;
    expect(appliedBeforeCrash).toBeGreaterThan(0);
    expect(await committedOffsets(group)).toBeLessThan(appliedBeforeCrash); // the crash window really happened

    await startConsumer({}, group);
    await waitFor(async () => (await effectCounts(fx.dataSource)).distinct >= n, { timeoutMs: 30_000 });
    expect(await effectCounts(fx.dataSource)).toEqual({ total: n, distinct: n });
  });

  it('loses and duplicates nothing when the relay dies after the broker ack and before marking rows', async () => {
    const writer = new OutboxWriter(codec);
    const n = 250;
    await fx.dataSource.transaction((tx) => writer.addMany(tx, Array.from({ length: n }, (_, i) => outboxMessage(fx.topic, `run-${i % 7}`, i))));
    const child = spawnScript('relay.process.ts', { TEST_DATABASE_URL: fx.databaseUrl, KAFKA_BROKERS: fx.brokers, TEST_BATCH: '100' });
    const ended = await exitOf(child);
    expect(diedOfSigkill(ended), ended.stderr).toBe(true);
    const [marked] = await fx.dataSource.query('SELECT count(*)::int AS n FROM messaging_outbox WHERE published_at IS NOT NULL');
    expect(marked.n).toBe(0);

    await startRelay(100);
    await startConsumer();
    await waitFor(async () => (await effectCounts(fx.dataSource)).distinct >= n, { timeoutMs: 30_000 });
    expect(await effectCounts(fx.dataSource)).toEqual({ total: n, distinct: n });
    // The first batch is on the topic twice: the relay really re-published, and the inbox absorbed it.
    expect((await readAll(fx.topic, n + 100)).length).toBe(n + 100);
  });

  it('shuts down gracefully: in-flight handlers finish and their offsets commit', async () => {
    const group = `graceful-${randomUUID()}`;
    let started = 0;
    const slow: EventHandler = async (event, ctx) => {
      started++;
      await new Promise((r) => setTimeout(r, 150));
      await recordEffect(event, ctx);
    };
    await produceRaw(Array.from({ length: 10 }, (_, i) => ({ key: 'run-s', value: codec.encode(EVENT_TYPES.stepResult, stepResult('run-s', i)), messageId: `s-${i}` })));
    const consumer = new InboxConsumer({ consumer: group, topics: [fx.topic], kafka: fx.kafka, dataSource: fx.dataSource, codec, handlers: { StepResult: slow }, transactionBatchSize: 1 });
    await consumer.start();
    await waitFor(() => started >= 2, { timeoutMs: 20_000 });
    await consumer.stop();

    const applied = (await effectCounts(fx.dataSource)).total;
    expect(applied).toBeGreaterThanOrEqual(2);
    expect(applied).toBeLessThan(10);
    expect(await committedOffsets(group)).toBe(applied); // every applied event committed, nothing half-applied

    await startConsumer({ handlers: { StepResult: slow }, transactionBatchSize: 1 }, group);
    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 10, { timeoutMs: 20_000 });
    expect(await effectCounts(fx.dataSource)).toEqual({ total: 10, distinct: 10 });
  });

  it('carries one trace from the transaction that wrote the outbox row to the handler, and counts it in /metrics', async () => {
    const telemetry = startTelemetry({ serviceName: 'messaging-trace-test' });
    try {
      const seen: Array<string | undefined> = [];
      const writer = new OutboxWriter(codec);
      const traceId = await trace.getTracer('test').startActiveSpan('write outbox', async (span) => {
        await fx.dataSource.transaction((tx) => writer.add(tx, outboxMessage(fx.topic, 'run-t', 1)));
        span.end();
        return span.spanContext().traceId;
      });
      await startRelay();
      await startConsumer({
        handlers: {
          [EVENT_TYPES.stepResult]: async (event, ctx) => {
            seen.push(trace.getActiveSpan()?.spanContext().traceId);
            await recordEffect(event, ctx);
          },
        },
      });
      await waitFor(() => seen.length >= 1, { timeoutMs: 20_000 });
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(traceId).not.toBe('0'.repeat(32));
      expect(seen).toEqual([traceId]);
      await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 1, { timeoutMs: 10_000 });
      const text = await telemetry.renderMetrics();
      expect(text).toMatch(/^shipshape_messaging_messages_processed_total\{[^}]*outcome="applied"[^}]*\} [1-9]/m);
      expect(text).toMatch(/^shipshape_messaging_outbox_published_total(\{[^}]*\})? [1-9]/m);
      expect(text).toMatch(/^shipshape_messaging_handler_duration_seconds_count\{[^}]*\} [1-9]/m);
    } finally {
      await telemetry.shutdown();
    }
  });
});
