/**
 * Creates every topic of contracts TOPIC_CATALOG that does not exist yet; existing topics are left alone.
 *   tsx scripts/stack/topics.ts --brokers 127.0.0.1:9092 [--list]
 * --list only prints the topics the cluster has (name, partitions), one a line.
 */
import { TOPIC_CATALOG, type TopicSpec } from '@shipshape/contracts';
import { brokersFrom, kafkaClient, parseArgs, runMain } from './cli';

function configEntries(t: TopicSpec): { name: string; value: string }[] {
  const entries: { name: string; value: string }[] = [{ name: 'cleanup.policy', value: t.cleanupPolicy }];
  if (t.cleanupPolicy === 'delete') entries.push({ name: 'retention.ms', value: String(t.retentionMs) });
  return entries;
}

async function main(): Promise<void> {
  const args = parseArgs();
  const admin = kafkaClient(brokersFrom(args), 'shipshape-stack-topics').admin();
  await admin.connect();
  try {
    if (args.has('list')) {
      const meta = await admin.fetchTopicMetadata();
      for (const t of [...meta.topics].sort((a, b) => a.name.localeCompare(b.name))) {
        process.stdout.write(`${t.name}\t${t.partitions.length}\n`);
      }
      return;
    }
    const existing = new Set(await admin.listTopics());
    const missing = TOPIC_CATALOG.filter((t) => !existing.has(t.name));
    const present = TOPIC_CATALOG.filter((t) => existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        timeout: 30000,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: 1,
          configEntries: configEntries(t),
        })),
      });
    }
    // Existing topics are not changed; only report a partition count that differs from the catalog.
    if (present.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
      for (const t of present) {
        const actual = meta.topics.find((m) => m.name === t.name)?.partitions.length;
        if (actual !== undefined && actual !== t.partitions) {
          process.stderr.write(`[stack] note: topic ${t.name} has ${actual} partitions, catalog says ${t.partitions} (left alone)\n`);
        }
      }
    }
    process.stdout.write(`topics: ${missing.length} created, ${present.length} already present (catalog: ${TOPIC_CATALOG.length})\n`);
  } finally {
    await admin.disconnect();
  }
}

runMain(main, 'topics');
