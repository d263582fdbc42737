import type { MigrationInterface, QueryRunner } from 'typeorm';

/** change_steps: every accepted step command (keyed by step id), its state and its result. */
export class ChangeSteps1796100000000 implements MigrationInterface {
  name = 'ChangeSteps1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE change_steps (
        step_id      text        PRIMARY KEY,
        run_id       text        NOT NULL,
        task_id      text        NOT NULL,
        stage        text        NOT NULL,
        application  text        NOT NULL,
        command      jsonb       NOT NULL,
        state        text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
        executions   integer     NOT NULL DEFAULT 0,
        locked_until timestamptz,
        result       jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX change_steps_open ON change_steps (created_at) WHERE state <> 'done'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE change_steps');
  }
}
