import type { Logger } from '@shipshape/telemetry';
import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';
import { typeOrmLogger } from './typeorm-logger';

/** A TypeORM migration class (its name must end with a 13-digit timestamp, e.g. `Initial1764460800000`). */
export type MigrationClass = new () => MigrationInterface;
/** A TypeORM entity class or schema. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
export type EntityClass = Function | EntitySchema;

/** TypeORM's default name, kept explicit because every service and tool must agree on it. */
export const MIGRATIONS_TABLE = 'migrations';

export interface ServiceDataSourceOptions {
  readonly url: string;
  readonly applicationName: string;
  readonly migrations: readonly MigrationClass[];
  readonly entities?: readonly EntityClass[];
  readonly logger: Logger;
  /** Pool size. Default 10. */
  readonly poolSize?: number;
}

/**
 * A postgres DataSource that never synchronizes the schema: the schema is what the migrations say.
 * Migrations run explicitly (runMigrationsExclusively), each in its own transaction.
 */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    entities: [...(options.entities ?? [])],
    migrations: [...options.migrations],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    dropSchema: false,
    logger: typeOrmLogger(options.logger),
    maxQueryExecutionTime: 1_000,
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 },
  });
}

/**
 * Runs pending migrations while holding a Postgres advisory lock, so replicas booting together
 * apply each migration once. Returns the names of the migrations it applied.
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<string[]> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query(`SELECT pg_advisory_lock(hashtext('shipshape.migrations'))`);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await lockRunner.query(`SELECT pg_advisory_unlock(hashtext('shipshape.migrations'))`);
    }
  } finally {
    await lockRunner.release();
  }
}
