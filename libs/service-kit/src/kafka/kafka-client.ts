import type { Logger } from '@shipshape/telemetry';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';

function kafkaLogLevel(level: string): logLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

/** kafkajs's own log lines as structured records under static messages. */
function logCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...rest } = log;
      const fields = { namespace, detail: message, kafka: rest };
      if (level <= logLevel.ERROR) logger.error(fields, 'kafka client error');
      else if (level === logLevel.WARN) logger.warn(fields, 'kafka client warning');
      else if (level === logLevel.INFO) logger.info(fields, 'kafka client event');
      else logger.debug(fields, 'kafka client debug');
    };
}

export interface ServiceKafkaOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** LOG_LEVEL of the service; kafkajs logs at the matching level. */
  readonly logLevel: string;
}

/** The one kafkajs client of a service. Creating it does not connect; producers, consumers and admins do. */
export function createServiceKafka(options: ServiceKafkaOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, retries: 8 },
    logLevel: kafkaLogLevel(options.logLevel),
    logCreator: logCreator(options.logger.child({ component: 'kafkajs' })),
  });
}
