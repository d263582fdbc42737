// A relay in its own process that SIGKILLs itself after the broker acknowledged its first batch and
// before it marked the rows published: the crash the outbox must survive without loss.
import { createKafkaClient, OutboxRelay } from '../src';

async function main(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  const brokers = process.env.KAFKA_BROKERS;
  if (!url || !brokers) throw new Error('TEST_DATABASE_URL and KAFKA_BROKERS are required');
  const relay = new OutboxRelay({
    database: { connectionString: url },
    kafka: createKafkaClient({ clientId: 'crashing-relay', brokers }),
    batchSize: Number(process.env.TEST_BATCH ?? '100'),
    afterPublish: () => {
      process.kill(process.pid, 'SIGKILL');
    },
  });
  await relay.start();
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
