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
import { EventContext, KafkaEventTransport } from './kafka-event.transport';

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
});
