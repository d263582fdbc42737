import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notices wait here until the notifier moves them to the outbox in its own transaction: they are
 * keyed by team, and taking team locks inside run transactions made concurrent runs deadlock.
 */
export class Notices1796000100000 implements MigrationInterface {
  name = 'Notices1796000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE pending_notifications (
        id         bigserial   PRIMARY KEY,
        team       text        NOT NULL,
        payload    jsonb       NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE pending_notifications');
  }
}
