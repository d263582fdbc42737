import type { MigrationInterface, QueryRunner } from 'typeorm';

/** service_info: facts about this database, starting with which service owns it. */
export class Initial1795981500000 implements MigrationInterface {
  name = 'Initial1795981500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_info (
        key        text        PRIMARY KEY,
        value      text        NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO service_info (key, value) VALUES ('service', 'change-service')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE service_info');
  }
}
