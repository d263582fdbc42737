/** Tiny helpers shared by the scripts/stack TypeScript tools (run with tsx, see lib.sh). */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/** `--name value` and `--flag` arguments. */
export function parseArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a?.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out.set(a.slice(2), next);
      i++;
    } else {
      out.set(a.slice(2), 'true');
    }
  }
  return out;
}

export function required(args: Map<string, string>, name: string, envFallback?: string): string {
  const v = args.get(name) ?? (envFallback ? process.env[envFallback] : undefined);
  if (!v) throw new Error(`missing --${name}${envFallback ? ` (or ${envFallback})` : ''}`);
  return v;
}

export function brokersFrom(args: Map<string, string>): string[] {
  return required(args, 'brokers', 'KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/** A kafkajs client that fails fast and stays quiet (callers report errors themselves). */
export function kafkaClient(brokers: string[], clientId: string, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    ...extra,
  });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Run main, print "ERROR: …" and exit 1 on failure. */
export function runMain(main: () => Promise<void>, what: string): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`[stack] ERROR (${what}): ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}
