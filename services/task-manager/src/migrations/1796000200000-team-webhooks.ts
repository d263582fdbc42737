import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Team webhooks for notices, and their deliveries (retried with backoff until delivered or given up). */
export class TeamWebhooks1796000200000 implements MigrationInterface {
  name = 'TeamWebhooks1796000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE team_webhooks (
        id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
        team       text        NOT NULL,
        url        text        NOT NULL,
        secret     text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (team, url)
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id           bigserial   PRIMARY KEY,
        webhook_id   uuid        NOT NULL REFERENCES team_webhooks (id) ON DELETE CASCADE,
        payload      jsonb       NOT NULL,
        status       text        NOT NULL DEFAULT 'pending',
        attempts     integer     NOT NULL DEFAULT 0,
        next_at      timestamptz NOT NULL DEFAULT now(),
        last_error   text,
        delivered_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE team_webhooks');
  }
}
