import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EVENT_TYPES } from '@shipshape/contracts';
import { waitFor } from '@shipshape/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codec, effectCounts, messagingFixture, outboxMessage, type MessagingFixture } from '../../test/harness';
import { OutboxRelay } from '../outbox/outbox.relay';
import { OutboxWriter } from '../outbox/outbox.writer';
import { batchOf, EventBatchContext, EventContext, KafkaEventTransport } from './kafka-event.transport';

/** Outgoing events go back to the test topic, where no handler wants them (they are skipped). */
let outgoingTopic = '';

@Controller()
class StepResultsController {
  @EventPattern(EVENT_TYPES.stepResult)
  async onStepResult(@Payload() result: { runId: string; attempt: number; stage: string }, @Ctx() ctx: EventContext): Promise<void> {
    if (result.attempt === 13) throw new Error('unlucky attempt');
    await ctx.tx.query('INSERT INTO effects (message_id, run_key, seq) VALUES ($1, $2, $3)', [ctx.event.messageId, result.runId, result.attempt]);
    await ctx.publish({
      topic: outgoingTopic,
      key: result.runId,
      eventType: EVENT_TYPES.runEvent,
      value: {
        eventId: `${ctx.event.messageId}:run-event`,
        occurredAt: Date.now(),
        scope: 'STAGE',
        transition: 'SUCCEEDED',
        taskId: 'task-1',
        runId: result.runId,
        stage: result.stage,
      },
    });
  }
}

@Module({ controllers: [StepResultsController] })
class TestModule {}

/** Sizes of the batches the batch handler was called with. */
const batchSizes: number[] = [];

@Controller()
class StepResultsBatchController {
  @EventPattern(batchOf(EVENT_TYPES.stepResult))
  async onStepResults(@Payload() results: ReadonlyArray<{ runId: string; attempt: number }>, @Ctx() ctx: EventBatchContext): Promise<void> {
    batchSizes.push(results.length);
    if (results.some((r) => r.attempt === 13)) throw new Error('unlucky attempt');
    await ctx.tx.query('INSERT INTO effects (message_id, run_key, seq) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])', [
      ctx.events.map((e) => e.messageId),
      results.map((r) => r.runId),
      results.map((r) => r.attempt),
    ]);
  }
}

@Module({ controllers: [StepResultsBatchController] })
class BatchTestModule {}

describe('KafkaEventTransport (NestJS)', () => {
  let fx: MessagingFixture;
  let app: INestMicroservice | null = null;
  let relay: OutboxRelay | null = null;

  beforeEach(async () => {
    fx = await messagingFixture('nest');
    outgoingTopic = fx.topic;
  });

  afterEach(async () => {
    await app?.close();
    await relay?.stop();
    await fx.cleanup();
  });

  it('routes decoded events to @EventPattern handlers with the transaction and outbox in @Ctx()', async () => {
    app = await NestFactory.createMicroservice(TestModule, {
      strategy: new KafkaEventTransport({
        consumer: 'nest-test',
        topics: [fx.topic],
        kafka: fx.kafka,
        dataSource: fx.dataSource,
        codec,
        retry: { maxAttempts: 2, initialDelayMs: 10 },
      }),
      logger: false,
    });
    await app.listen();
    relay = new OutboxRelay({ database: { connectionString: fx.databaseUrl }, kafka: fx.kafka, pollIntervalMs: 50 });
    const writer = new OutboxWriter(codec);
    await fx.dataSource.transaction((tx) =>
      writer.addMany(tx, [outboxMessage(fx.topic, 'run-n', 1), outboxMessage(fx.topic, 'run-n', 13), outboxMessage(fx.topic, 'run-n', 2)]),
    );
    await relay.start();

    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 2, { timeoutMs: 20_000 });
    const rows: Array<{ seq: number }> = await fx.dataSource.query('SELECT seq FROM effects ORDER BY id');
    expect(rows.map((r) => r.seq)).toEqual([1, 2]); // the throwing handler changed nothing
    const outgoing: Array<{ message_key: string }> = await fx.dataSource.query(
      `SELECT message_key FROM messaging_outbox WHERE event_type = $1 ORDER BY id`,
      [EVENT_TYPES.runEvent],
    );
    expect(outgoing).toEqual([{ message_key: 'run-n' }, { message_key: 'run-n' }]);
  });

  it('gives a batchOf(...) handler consecutive events of one partition in one call; a failing batch is retried one event at a time', async () => {
    batchSizes.length = 0;
    app = await NestFactory.createMicroservice(BatchTestModule, {
      strategy: new KafkaEventTransport({
        consumer: 'nest-batch-test',
        topics: [fx.topic],
        kafka: fx.kafka,
        dataSource: fx.dataSource,
        codec,
        retry: { maxAttempts: 2, initialDelayMs: 10 },
        transactionBatchSize: 100,
      }),
      logger: false,
    });
    const writer = new OutboxWriter(codec);
    // One key: one partition, published in one produce request before the consumer starts.
    const seqs = Array.from({ length: 30 }, (_, i) => i + 1);
    await fx.dataSource.transaction((tx) => writer.addMany(tx, seqs.map((seq) => outboxMessage(fx.topic, 'run-b', seq))));
    relay = new OutboxRelay({ database: { connectionString: fx.databaseUrl }, kafka: fx.kafka, pollIntervalMs: 50 });
    await relay.start();
    await waitFor(async () => Number((await fx.dataSource.query('SELECT count(*)::int AS n FROM messaging_outbox WHERE published_at IS NULL'))[0].n) === 0, {
      timeoutMs: 20_000,
    });
    await app.listen();

    await waitFor(async () => (await effectCounts(fx.dataSource)).total >= 29, { timeoutMs: 30_000 });
    const rows: Array<{ seq: number }> = await fx.dataSource.query('SELECT seq FROM effects ORDER BY id');
    // The batch holding 13 failed as a whole, then every event was applied alone: 13 changed nothing.
    expect(rows.map((r) => r.seq)).toEqual(seqs.filter((s) => s !== 13));
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(batchSizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(2); // 13 alone, tried twice (maxAttempts 2)
  });
});
