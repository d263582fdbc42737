import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The skeleton of the application catalog: one row per service repository Shipshape may upgrade. */
export class Initial1795981500000 implements MigrationInterface {
  name = 'Initial1795981500000';

  async up(q: QueryRunner): Promise<void> {
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
  }
}
