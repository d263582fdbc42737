// A consumer in its own process that SIGKILLs itself right after its first handler transaction
// commits and before the offset commit: the crash the inbox must make harmless.
import { DataSource } from 'typeorm';
import { createKafkaClient, InboxConsumer } from '../src';
import { codec, recordEffect } from './harness';

async function main(): Promise<void> {
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const dataSource = new DataSource({ type: 'postgres', url: env('TEST_DATABASE_URL') });
  await dataSource.initialize();
  const consumer = new InboxConsumer({
    consumer: env('TEST_GROUP'),
    topics: [env('TEST_TOPIC')],
    kafka: createKafkaClient({ clientId: 'crashing-consumer', brokers: env('KAFKA_BROKERS') }),
    dataSource,
    codec,
    handlers: { StepResult: recordEffect },
    sessionTimeoutMs: 6000, // the broker's minimum: the group reassigns the dead member's partitions sooner
    transactionBatchSize: Number(process.env.TEST_TX_BATCH ?? '20'),
    afterCommit: () => {
      process.kill(process.pid, 'SIGKILL');
    },
  });
  await consumer.start();
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
