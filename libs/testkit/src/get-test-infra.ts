import { testcontainersStarter } from './containers';
import { readStackEnv } from './stack-env';
import { resolveTestInfra, type TestInfra } from './test-infra';

let pending: Promise<TestInfra> | undefined;

/**
 * The Kafka broker and Postgres server for integration tests, resolved once per test process
 * (see resolveTestInfra). Variables set in the environment win; what is missing comes from
 * `.local/stack.env` when `npm run stack:up` wrote one, so `npm test` works in a fresh shell.
 * The result is exported to process.env, so child processes a test spawns see the same infrastructure.
 */
export function getTestInfra(): Promise<TestInfra> {
  pending ??= resolveTestInfra({ ...readStackEnv(), ...process.env }, testcontainersStarter).then(
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
