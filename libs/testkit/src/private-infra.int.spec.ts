import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startPrivateKafka, startPrivatePostgres, type RestartableServer } from './private-infra';

const servers: RestartableServer[] = [];
afterAll(async () => {
  for (const s of servers.splice(0)) await s.destroy();
});

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('private infrastructure for restart tests', () => {
  it('a private Postgres keeps committed data across a fast shutdown and an immediate (crash) shutdown', async () => {
    const pg = await startPrivatePostgres();
    servers.push(pg);
    expect(pg.url).not.toBe(process.env['DATABASE_URL']);
    await query(pg.url, 'CREATE TABLE t (n int); INSERT INTO t VALUES (1)');
    await pg.stop();
    expect(pg.running).toBe(false);
    await expect(query(pg.url, 'SELECT 1')).rejects.toThrow();
    await pg.start();
    await query(pg.url, 'INSERT INTO t VALUES (2)');
    await pg.stop('kill');
    await pg.start();
    expect(await query<{ n: number }>(pg.url, 'SELECT n FROM t ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('a private Kafka broker keeps acknowledged messages across a restart and a kill', async () => {
    const broker = await startPrivateKafka();
    servers.push(broker);
    expect(broker.brokers).not.toBe(process.env['KAFKA_BROKERS']);
    const kafka = new Kafka({ clientId: 'private-infra-test', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const send = async (value: string) => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 't', acks: -1, messages: [{ value }] });
      await producer.disconnect();
    };
    await send('a');
    await broker.stop();
    await broker.start();
    await send('b');
    await broker.stop('kill');
    await broker.start();
    const admin2 = kafka.admin();
    await admin2.connect();
    const offsets = await admin2.fetchTopicOffsets('t');
    await admin2.disconnect();
    expect(offsets[0]!.high).toBe('2');
  });
});
