import { ShipshapeError } from '@shipshape/contracts';

/** Where integration tests find a real Kafka broker and a real Postgres server. */
export interface TestInfra {
  /** Comma-separated host:port list, the same shape as KAFKA_BROKERS. */
  readonly kafkaBrokers: string;
  /** Postgres SERVER url (a role that may CREATE DATABASE), the same shape as DATABASE_URL. */
  readonly databaseUrl: string;
  /** Where each of them came from. */
  readonly source: { readonly kafka: InfraSource; readonly postgres: InfraSource };
}

export type InfraSource = 'env' | 'testcontainers';

export interface ContainerStarter {
  /** True when a Docker-compatible engine answers. */
  available(): Promise<boolean>;
  startKafka(): Promise<string>;
  startPostgres(): Promise<string>;
}

export class TestInfraUnavailableError extends ShipshapeError {
  constructor(readonly missing: readonly string[]) {
    super(
      'TESTKIT.INFRA_UNAVAILABLE',
      `Integration tests need a real Kafka broker and Postgres server, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set ` +
        'and no Docker engine answers for testcontainers. Start the local stack and load its environment:\n' +
        '  npm run stack:up && source .local/stack.env',
      { details: { missing } },
    );
  }
}

function fromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

/**
 * KAFKA_BROKERS and DATABASE_URL win when set; whatever is missing comes from testcontainers when a
 * Docker engine answers; otherwise a TestInfraUnavailableError says how to start the local stack.
 */
export async function resolveTestInfra(env: NodeJS.ProcessEnv, containers: ContainerStarter): Promise<TestInfra> {
  const kafka = fromEnv(env, 'KAFKA_BROKERS');
  const postgres = fromEnv(env, 'DATABASE_URL');
  if (kafka && postgres) return { kafkaBrokers: kafka, databaseUrl: postgres, source: { kafka: 'env', postgres: 'env' } };

  const missing = [...(kafka ? [] : ['KAFKA_BROKERS']), ...(postgres ? [] : ['DATABASE_URL'])];
  if (!(await containers.available())) throw new TestInfraUnavailableError(missing);

  const [kafkaBrokers, databaseUrl] = await Promise.all([kafka ?? containers.startKafka(), postgres ?? containers.startPostgres()]);
  return {
    kafkaBrokers,
    databaseUrl,
    source: { kafka: kafka ? 'env' : 'testcontainers', postgres: postgres ? 'env' : 'testcontainers' },
  };
}
