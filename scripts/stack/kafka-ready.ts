/**
 * Waits until a Kafka cluster answers a real metadata request (kafkajs admin describeCluster + listTopics).
 *   tsx scripts/stack/kafka-ready.ts --brokers 127.0.0.1:9092 [--timeout-ms 60000] [--pid <broker pid>]
 * Exit 0: ready (prints cluster id and brokers). Exit 1: timeout or error. Exit 2: the broker process (--pid) died.
 */
import { brokersFrom, errorMessage, kafkaClient, parseArgs } from './cli';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function probe(brokers: string[]): Promise<string> {
  const admin = kafkaClient(brokers, 'shipshape-stack-ready', { retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listTopics();
    return `cluster ${cluster.clusterId}, controller ${cluster.controller}, brokers ${cluster.brokers.map((b) => `${b.host}:${b.port}`).join(',')}`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main(): Promise<number> {
  const args = parseArgs();
  const brokers = brokersFrom(args);
  const timeoutMs = Number(args.get('timeout-ms') ?? '60000');
  const pid = args.has('pid') ? Number(args.get('pid')) : undefined;
  const deadline = Date.now() + timeoutMs;
  let last = 'no attempt';
  for (;;) {
    if (pid !== undefined && !alive(pid)) {
      process.stderr.write(`[stack] Kafka broker process ${pid} exited before it answered (${last})\n`);
      return 2;
    }
    try {
      process.stdout.write(`${await probe(brokers)}\n`);
      return 0;
    } catch (err) {
      last = errorMessage(err);
    }
    if (Date.now() >= deadline) {
      process.stderr.write(`[stack] Kafka at ${brokers.join(',')} did not answer a metadata request within ${timeoutMs} ms; last error: ${last}\n`);
      return 1;
    }
    await sleep(500);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[stack] ERROR (kafka-ready): ${errorMessage(err)}\n`);
    process.exit(1);
  },
);
