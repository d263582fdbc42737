import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * runtime_instances: the runtime registry (what runs where, per application and instance id).
 * releases: one gray release per release step (keyed by step id), with the state a worker resumes from.
 */
export class RuntimeAndReleases1796100000000 implements MigrationInterface {
  name = 'RuntimeAndReleases1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE runtime_instances (
        application   text        NOT NULL,
        instance_id   text        NOT NULL,
        runtime       text        NOT NULL DEFAULT 'local',
        address       text,
        port          integer,
        pid           integer,
        version       text        NOT NULL,
        commit        text,
        agent_version text,
        build_dir     text        NOT NULL,
        start_command text        NOT NULL,
        env           jsonb       NOT NULL DEFAULT '{}',
        state         text        NOT NULL CHECK (state IN ('starting', 'running', 'replacing', 'stopped', 'failed')),
        target        jsonb,
        started_at    timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (application, instance_id)
      )`);
    await q.query(`
      CREATE TABLE releases (
        id               text        PRIMARY KEY,
        run_id           text        NOT NULL,
        task_id          text        NOT NULL,
        stage            text        NOT NULL,
        attempt          integer     NOT NULL,
        application      text        NOT NULL,
        command          jsonb       NOT NULL,
        status           text        NOT NULL CHECK (status IN ('pending', 'running', 'rolling_back', 'succeeded', 'failed')),
        paused           boolean     NOT NULL DEFAULT false,
        promote_requested boolean    NOT NULL DEFAULT false,
        abort_requested  boolean     NOT NULL DEFAULT false,
        plan             jsonb,
        target           jsonb,
        previous         jsonb,
        batch_index      integer     NOT NULL DEFAULT 0,
        bake_started_at  timestamptz,
        bake             jsonb,
        result           jsonb,
        lease_owner      text,
        lease_until      timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX releases_active ON releases (created_at) WHERE status IN ('pending', 'running', 'rolling_back')`);
    await q.query(`CREATE INDEX releases_application ON releases (application, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE releases');
    await q.query('DROP TABLE runtime_instances');
  }
}
