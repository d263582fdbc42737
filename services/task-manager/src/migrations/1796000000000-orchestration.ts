import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The application catalog in full, upgrade tasks, their runs (state machine state as JSON plus the
 * columns queries filter on), steps (one row per dispatched step id: dispatch is idempotent on it),
 * the resource ledger, scheduled retries and the throttling ledger of rate-limited dispatches.
 */
export class Orchestration1796000000000 implements MigrationInterface {
  name = 'Orchestration1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE applications
        ADD COLUMN team                 text  NOT NULL DEFAULT '',
        ADD COLUMN service              text  NOT NULL DEFAULT '',
        ADD COLUMN default_branch       text  NOT NULL DEFAULT 'main',
        ADD COLUMN build_tool           text  NOT NULL DEFAULT 'maven',
        ADD COLUMN build_command        text,
        ADD COLUMN test_command         text,
        ADD COLUMN run_command          text,
        ADD COLUMN health_path          text,
        ADD COLUMN production_instances integer,
        ADD COLUMN labels               jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`CREATE INDEX applications_team ON applications (team)`);
    await q.query(`CREATE INDEX applications_service ON applications (service)`);
    await q.query(`
      CREATE TABLE tasks (
        id          uuid        PRIMARY KEY,
        name        text        NOT NULL,
        kind        text        NOT NULL,
        status      text        NOT NULL,
        spec        jsonb       NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        started_at  timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE runs (
        id             uuid        PRIMARY KEY,
        task_id        uuid        NOT NULL REFERENCES tasks (id),
        application_id uuid        NOT NULL REFERENCES applications (id),
        application    jsonb       NOT NULL,
        team           text        NOT NULL,
        sample         boolean     NOT NULL DEFAULT false,
        status         text        NOT NULL,
        paused         boolean     NOT NULL DEFAULT false,
        state          jsonb       NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        started_at     timestamptz,
        finished_at    timestamptz,
        UNIQUE (task_id, application_id)
      )`);
    await q.query(`CREATE INDEX runs_task_status ON runs (task_id, status)`);
    await q.query(`
      CREATE TABLE steps (
        step_id       text        PRIMARY KEY,
        run_id        uuid        NOT NULL REFERENCES runs (id),
        task_id       uuid        NOT NULL,
        stage         text        NOT NULL,
        attempt       integer     NOT NULL,
        service       text        NOT NULL,
        team          text        NOT NULL,
        status        text        NOT NULL,
        timeout_ms    bigint      NOT NULL,
        stage_limit   integer,
        task_limit    integer,
        command       jsonb       NOT NULL,
        queued_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
        dispatched_at timestamptz,
        deadline      timestamptz,
        finished_at   timestamptz,
        error_class   text,
        message       text,
        usage         jsonb
      )`);
    await q.query(`CREATE INDEX steps_queued ON steps (queued_at) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX steps_deadline ON steps (deadline) WHERE status = 'dispatched'`);
    await q.query(`CREATE INDEX steps_run ON steps (run_id)`);
    await q.query(`CREATE INDEX steps_active_stage ON steps (stage, team) WHERE status = 'dispatched'`);
    await q.query(`
      CREATE TABLE run_resources (
        run_id          uuid        NOT NULL REFERENCES runs (id),
        kind            text        NOT NULL,
        resource_id     text        NOT NULL,
        attributes      jsonb       NOT NULL DEFAULT '{}',
        acquired_by     text        NOT NULL,
        status          text        NOT NULL,
        release_step_id text,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, kind, resource_id)
      )`);
    await q.query(`
      CREATE TABLE scheduled_retries (
        run_id   uuid        NOT NULL REFERENCES runs (id),
        stage    text        NOT NULL,
        attempt  integer     NOT NULL,
        due_at   timestamptz NOT NULL,
        PRIMARY KEY (run_id, stage, attempt)
      )`);
    await q.query(`CREATE INDEX scheduled_retries_due ON scheduled_retries (due_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE scheduled_retries');
    await q.query('DROP TABLE run_resources');
    await q.query('DROP TABLE steps');
    await q.query('DROP TABLE runs');
    await q.query('DROP TABLE tasks');
    await q.query(`ALTER TABLE applications
      DROP COLUMN team, DROP COLUMN service, DROP COLUMN default_branch, DROP COLUMN build_tool, DROP COLUMN build_command,
      DROP COLUMN test_command, DROP COLUMN run_command, DROP COLUMN health_path, DROP COLUMN production_instances, DROP COLUMN labels`);
  }
}
