import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * runtime_instances: the watchdog's restart series of a failed instance (attempts made, when the next one
 * is due, and why the last one failed; next_restart_at NULL with a reason = it gave up).
 */
export class InstanceRestartBackoff1796300000000 implements MigrationInterface {
  name = 'InstanceRestartBackoff1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runtime_instances ADD COLUMN restart_attempts integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE runtime_instances ADD COLUMN next_restart_at timestamptz`);
    await q.query(`ALTER TABLE runtime_instances ADD COLUMN failure_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runtime_instances DROP COLUMN failure_reason`);
    await q.query(`ALTER TABLE runtime_instances DROP COLUMN next_restart_at`);
    await q.query(`ALTER TABLE runtime_instances DROP COLUMN restart_attempts`);
  }
}
