/**
 * End-to-end check of a running stack's Kafka: creates a throw-away topic, produces one message, consumes it in a
 * consumer group (join, fetch, offset commit), then deletes the topic.
 *   tsx scripts/stack/smoke.ts [--brokers 127.0.0.1:9092]   (default: KAFKA_BROKERS, e.g. from .local/stack.env)
 */
import { randomUUID } from 'node:crypto';
import { brokersFrom, kafkaClient, parseArgs, runMain } from './cli';

async function main(): Promise<void> {
  const brokers = brokersFrom(parseArgs());
  const kafka = kafkaClient(brokers, 'shipshape-stack-smoke', { retry: { retries: 5 } });
  const id = randomUUID();
  const topic = `shipshape.stack.smoke.${id}`;
  const admin = kafka.admin();
  await admin.connect();
  const t0 = Date.now();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'smoke', value: id, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `shipshape-stack-smoke-${id}`, sessionTimeout: 10000, heartbeatInterval: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message consumed within 30 s')), 30000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value?.toString() ?? '');
        },
      });
    });
    await consumer.disconnect();
    if (received !== id) throw new Error(`consumed "${received}", expected "${id}"`);
    process.stdout.write(`smoke: produced and consumed one message on ${topic} via ${brokers.join(',')} in ${Date.now() - t0} ms\n`);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

runMain(main, 'smoke');
