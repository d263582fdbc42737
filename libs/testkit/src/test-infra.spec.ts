import { describe, expect, it, vi } from 'vitest';
import { resolveTestInfra, TestInfraUnavailableError, type ContainerStarter } from './test-infra';

function starter(available: boolean): ContainerStarter & { startKafka: ReturnType<typeof vi.fn>; startPostgres: ReturnType<typeof vi.fn> } {
  return {
    available: vi.fn(async () => available),
    startKafka: vi.fn(async () => '10.9.9.9:32771'),
    startPostgres: vi.fn(async () => 'postgres://test:test@10.9.9.9:32772/test'),
  };
}

describe('resolveTestInfra', () => {
  it('uses KAFKA_BROKERS and DATABASE_URL when both are set, without asking Docker', async () => {
    const containers = starter(true);
    const infra = await resolveTestInfra({ KAFKA_BROKERS: '127.0.0.1:9092', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }, containers);

    expect(infra).toEqual({
      kafkaBrokers: '127.0.0.1:9092',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      source: { kafka: 'env', postgres: 'env' },
    });
    expect(containers.available).not.toHaveBeenCalled();
  });

  it('starts only what is missing when Docker answers', async () => {
    const containers = starter(true);
    const infra = await resolveTestInfra({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', KAFKA_BROKERS: ' ' }, containers);

    expect(infra.kafkaBrokers).toBe('10.9.9.9:32771');
    expect(infra.source).toEqual({ kafka: 'testcontainers', postgres: 'env' });
    expect(containers.startPostgres).not.toHaveBeenCalled();
  });

  it('tells the user to start the stack when nothing is available', async () => {
    const containers = starter(false);
    const error = await resolveTestInfra({}, containers).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(TestInfraUnavailableError);
    expect((error as TestInfraUnavailableError).missing).toEqual(['KAFKA_BROKERS', 'DATABASE_URL']);
    expect((error as Error).message).toContain('npm run stack:up && source .local/stack.env');
    expect(containers.startKafka).not.toHaveBeenCalled();
  });
});
