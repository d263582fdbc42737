import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './database';
import { getTestInfra } from './get-test-infra';
import { uniqueTopic } from './names';
import { getClosedPort } from './ports';
import { createTopics, deleteTopics } from './topics';

async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('testkit against the real stack', () => {
  it('creates a database that accepts connections, then drops it even with a client still connected', async () => {
    const db = await createTestDatabase('testkit_int');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ current_database: string }>('SELECT current_database()');
    expect(rows[0]?.current_database).toBe(db.name);

    client.on('error', () => undefined); // DROP ... WITH (FORCE) terminates it
    await db.drop();
    await db.drop();

    expect(await databaseExists(db.serverUrl, db.name)).toBe(false);
  });

  it('only reserves a name with create: false', async () => {
    const db = await createTestDatabase('testkit_int', { create: false });
    expect(await databaseExists(db.serverUrl, db.name)).toBe(false);
    await db.drop();
  });

  it('creates and deletes topics with the requested partitions and config', async () => {
    const { kafkaBrokers } = await getTestInfra();
    const compacted = uniqueTopic('testkit.int.compacted');
    const plain = uniqueTopic('testkit.int.plain');
    const admin = new Kafka({ clientId: 'testkit-int', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await createTopics(kafkaBrokers, [{ name: compacted, partitions: 3, cleanupPolicy: 'compact' }, plain]);

      const meta = await admin.fetchTopicMetadata({ topics: [compacted, plain] });
      expect(Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]))).toEqual({ [compacted]: 3, [plain]: 1 });
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: compacted, configNames: ['cleanup.policy'] }] });
      expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');

      await deleteTopics(kafkaBrokers, [compacted, plain, uniqueTopic('never-created')]);
      const left = await admin.listTopics();
      expect(left).not.toContain(compacted);
      expect(left).not.toContain(plain);
    } finally {
      await admin.disconnect();
    }
  });

  it('hands out a port nothing listens on', async () => {
    const port = await getClosedPort();
    const { createConnection } = await import('node:net');
    const outcome = await new Promise<string>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});
