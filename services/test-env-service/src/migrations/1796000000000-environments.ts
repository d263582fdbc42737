import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * environments: every test environment, its owner process, its process groups and its place in the
 * platform-wide queue (queue_seq); test_env_steps: accepted stage steps the worker executes;
 * ended_runs: runs the orchestrator reported as ended (the reaper releases their environments).
 */
export class Environments1796000000000 implements MigrationInterface {
  name = 'Environments1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE environments (
        id             text        PRIMARY KEY,
        step_id        text        NOT NULL UNIQUE,
        run_id         text        NOT NULL,
        driver         text        NOT NULL,
        state          text        NOT NULL CHECK (state IN ('waiting', 'provisioning', 'ready', 'failed', 'released')),
        owner          text        NOT NULL,
        workspace      text        NOT NULL,
        log_dir        text        NOT NULL,
        port           integer,
        process_groups integer[]   NOT NULL DEFAULT '{}',
        spec           jsonb       NOT NULL,
        failure        jsonb,
        usage          jsonb       NOT NULL DEFAULT '{}',
        queue_seq      bigserial   NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        ready_at       timestamptz,
        released_at    timestamptz,
        expires_at     timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX environments_active ON environments (state, queue_seq) WHERE state <> 'released'`);
    await q.query(`CREATE INDEX environments_run ON environments (run_id)`);
    await q.query(`
      CREATE TABLE test_env_steps (
        step_id      text        PRIMARY KEY,
        run_id       text        NOT NULL,
        stage        text        NOT NULL,
        command      jsonb       NOT NULL,
        state        text        NOT NULL CHECK (state IN ('pending', 'running', 'done')),
        locked_until timestamptz,
        result       jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX test_env_steps_pending ON test_env_steps (created_at) WHERE state <> 'done'`);
    await q.query(`CREATE TABLE ended_runs (run_id text PRIMARY KEY, ended_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ended_runs');
    await q.query('DROP TABLE test_env_steps');
    await q.query('DROP TABLE environments');
  }
}
