import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

export interface MessagingLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A logger that drops everything, for callers that pass none. */
export const SILENT_LOGGER: MessagingLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function parseBrokers(brokers: string | readonly string[]): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('KAFKA_BROKERS is empty: expected host:port[,host:port]');
  return list;
}

/** A kafkajs client whose own logs go to our structured logger (warn and above). */
export function createKafkaClient(options: {
  clientId: string;
  brokers: string | readonly string[];
  logger?: MessagingLogger;
  config?: Partial<KafkaConfig>;
}): Kafka {
  const logger = options.logger ?? SILENT_LOGGER;
  return new Kafka({
    clientId: options.clientId,
    brokers: parseBrokers(options.brokers),
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...rest } = log;
        const fields = { namespace, kafka: rest, detail: message };
        if (level <= logLevel.ERROR) logger.error(fields, 'kafka client error');
        else logger.warn(fields, 'kafka client warning');
      },
    ...options.config,
  });
}
