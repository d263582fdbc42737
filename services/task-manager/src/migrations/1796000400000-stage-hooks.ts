import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stage hooks to run and their results: one row per (step, phase, index). The hooks worker leases a
 * row (lease_owner, lease_until) while it runs the hook; a lease that expires (its process died) lets
 * another process run it again. A row done (succeeded, failed, abandoned) is never run again.
 */
export class StageHooks1796000400000 implements MigrationInterface {
  name = 'StageHooks1796000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE run_hooks (
        hook_id     text        PRIMARY KEY,
        run_id      uuid        NOT NULL REFERENCES runs (id),
        task_id     uuid        NOT NULL,
        stage       text        NOT NULL,
        attempt     integer     NOT NULL,
        phase       text        NOT NULL,
        hook_index  integer     NOT NULL,
        kind        text        NOT NULL,
        target      text        NOT NULL,
        timeout_ms  bigint      NOT NULL,
        definition  jsonb,
        payload     jsonb       NOT NULL,
        status      text        NOT NULL DEFAULT 'pending',
        attempts    integer     NOT NULL DEFAULT 0,
        lease_owner text,
        lease_until timestamptz,
        created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        started_at  timestamptz,
        finished_at timestamptz,
        error_class text,
        message     text,
        output      text,
        exit_code   integer,
        http_status integer,
        duration_ms integer
      )`);
    await q.query(`CREATE INDEX run_hooks_due ON run_hooks (created_at) WHERE status IN ('pending', 'running')`);
    await q.query(`CREATE INDEX run_hooks_run ON run_hooks (run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE run_hooks');
  }
}
