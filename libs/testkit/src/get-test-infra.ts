import { testcontainersStarter } from './containers';
import { resolveTestInfra, type TestInfra } from './test-infra';

let pending: Promise<TestInfra> | undefined;

/**
 * The Kafka broker and Postgres server for integration tests, resolved once per test process
 * (see resolveTestInfra). Containers started here are exported to process.env, so child processes
 * a test spawns see the same infrastructure.
 */
export function getTestInfra(): Promise<TestInfra> {
  pending ??= resolveTestInfra(process.env, testcontainersStarter).then(
    (infra) => {
      process.env['KAFKA_BROKERS'] = infra.kafkaBrokers;
      process.env['DATABASE_URL'] = infra.databaseUrl;
      return infra;
    },
    (err: unknown) => {
      pending = undefined;
      throw err;
    },
  );
  return pending;
}
