import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox and the idempotency inbox. Every service runs this migration in its own
 * database, before its own migrations.
 */
export class MessagingTables1764400000000 implements MigrationInterface {
  name = 'MessagingTables1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE messaging_outbox (
        id            bigserial PRIMARY KEY,
        topic         text        NOT NULL,
        message_key   text,
        message_id    text        NOT NULL,
        event_type    text        NOT NULL,
        payload       bytea       NOT NULL,
        headers       jsonb       NOT NULL DEFAULT '{}'::jsonb,
        traceparent   text,
        tracestate    text,
        created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at  timestamptz
      )`);
    await q.query(`CREATE INDEX messaging_outbox_pending ON messaging_outbox (id) WHERE published_at IS NULL`);
    await q.query(`CREATE INDEX messaging_outbox_published_at ON messaging_outbox (published_at) WHERE published_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE messaging_inbox (
        consumer      text        NOT NULL,
        message_id    text        NOT NULL,
        topic         text        NOT NULL,
        kafka_partition integer   NOT NULL,
        kafka_offset  bigint      NOT NULL,
        processed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (consumer, message_id)
      )`);
    await q.query(`CREATE INDEX messaging_inbox_processed_at ON messaging_inbox (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE messaging_inbox`);
    await q.query(`DROP TABLE messaging_outbox`);
  }
}

export const MESSAGING_MIGRATIONS = [MessagingTables1764400000000];
