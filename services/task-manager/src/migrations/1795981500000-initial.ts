import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * service_info (which service owns this database) and the skeleton of the application catalog:
 * one row per service repository Shipshape may upgrade.
 */
export class Initial1795981500000 implements MigrationInterface {
  name = 'Initial1795981500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_info (
        key        text        PRIMARY KEY,
        value      text        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO service_info (key, value) VALUES ('service', 'task-manager')`);
    await q.query(`
      CREATE TABLE applications (
        id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        name           text        NOT NULL UNIQUE,
        repository_url text        NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE applications');
    await q.query('DROP TABLE service_info');
  }
}
