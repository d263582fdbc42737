import type { ContainerStarter } from './test-infra';

/** Images for machines with Docker; the local stack uses the same Kafka major (4.x) and Postgres 16. */
export const TEST_IMAGES = {
  kafka: 'confluentinc/cp-kafka:8.0.0',
  postgres: 'postgres:16-alpine',
} as const;

/**
 * Starts Kafka (KRaft, single node) and Postgres with testcontainers. testcontainers is loaded only
 * here, so machines without Docker never pay for it. Ryuk removes the containers when the process ends.
 */
export const testcontainersStarter: ContainerStarter = {
  async available() {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      return true;
    } catch {
      return false;
    }
  },
  async startKafka() {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer(TEST_IMAGES.kafka)
      .withEnvironment({ KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1', KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' })
      .start();
    return `${container.getHost()}:${container.getMappedPort(9093)}`;
  },
  async startPostgres() {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer(TEST_IMAGES.postgres).start();
    return container.getConnectionUri();
  },
};
