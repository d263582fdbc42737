import type { ServiceName } from '@shipshape/contracts';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ServiceKitError } from '../errors';
import type { MigrationClass } from './data-source';

/**
 * The kit's own migration for every service database: `service_info`, starting with which service
 * owns the database. It runs after the messaging tables and before the service's migrations.
 */
export function serviceInfoMigration(service: ServiceName): MigrationClass {
  return class ServiceInfo1764400000001 implements MigrationInterface {
    name = 'ServiceInfo1764400000001';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`
        CREATE TABLE IF NOT EXISTS service_info (
          key        text        PRIMARY KEY,
          value      text        NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      await q.query(`INSERT INTO service_info (key, value) VALUES ('service', $1) ON CONFLICT (key) DO NOTHING`, [service]);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query('DROP TABLE service_info');
    }
  };
}

/** A service pointed at another service's database (a wrong DATABASE_NAME) must not touch it. */
export class WrongDatabaseError extends ServiceKitError {
  constructor(database: string, owner: string, service: string) {
    super('SERVICE_KIT.WRONG_DATABASE', `database ${database} belongs to ${owner}, not ${service}; check DATABASE_NAME`, { database, owner, service });
  }
}

/**
 * Checked before migrations (a database without `service_info` yet is new: fine) and after them
 * (then the row must be there), so a service never migrates another service's database.
 */
export async function assertDatabaseOwner(dataSource: DataSource, database: string, service: ServiceName, options: { beforeMigrations?: boolean } = {}): Promise<void> {
  const [table]: Array<{ present: boolean }> = await dataSource.query(`SELECT to_regclass('service_info') IS NOT NULL AS present`);
  if (!table?.present && options.beforeMigrations) return;
  const rows: Array<{ value: string }> = table?.present ? await dataSource.query(`SELECT value FROM service_info WHERE key = 'service'`) : [];
  const owner = rows[0]?.value;
  if (owner !== service) throw new WrongDatabaseError(database, owner ?? '(nobody)', service);
}
