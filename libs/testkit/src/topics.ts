import { Kafka, logLevel } from 'kafkajs';

export interface TestTopicSpec {
  readonly name: string;
  /** Default 1. */
  readonly partitions?: number;
  readonly cleanupPolicy?: 'delete' | 'compact';
  /** Only for delete topics; -1 keeps forever. */
  readonly retentionMs?: number;
}

function brokerList(brokers: string | readonly string[]): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('no Kafka brokers given');
  return list;
}

async function withAdmin<T>(brokers: string | readonly string[], work: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'shipshape-testkit', brokers: brokerList(brokers), logLevel: logLevel.WARN }).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates the topics (replication factor 1) and waits for their partition leaders. Existing topics are left alone. */
export async function createTopics(brokers: string | readonly string[], specs: readonly (TestTopicSpec | string)[]): Promise<void> {
  const topics = specs.map((s) => (typeof s === 'string' ? { name: s } : s));
  await withAdmin(brokers, async (admin) => {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: 30_000,
        topics: topics.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions ?? 1,
          replicationFactor: 1,
          configEntries: [
            ...(t.cleanupPolicy ? [{ name: 'cleanup.policy', value: t.cleanupPolicy }] : []),
            ...(t.retentionMs !== undefined && t.cleanupPolicy !== 'compact' ? [{ name: 'retention.ms', value: String(t.retentionMs) }] : []),
          ],
        })),
      });
    } catch (error) {
      // A freshly started broker may answer the leader wait with UNKNOWN_TOPIC_OR_PARTITION while
      // the topics it just created propagate to its metadata cache: wait for the leaders ourselves.
      if ((error as { type?: unknown }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
      await waitForLeaders(admin, topics.map((t) => t.name));
    }
  });
}

async function waitForLeaders(admin: ReturnType<Kafka['admin']>, names: readonly string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await admin
      .fetchTopicMetadata({ topics: [...names] })
      .then((m) => m.topics.length === names.length && m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)))
      .catch(() => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`topics have no partition leaders after ${timeoutMs} ms: ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Deletes the topics that exist among `names`; missing ones are ignored. */
export async function deleteTopics(brokers: string | readonly string[], names: readonly string[]): Promise<void> {
  await withAdmin(brokers, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((n) => existing.has(n));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  });
}
