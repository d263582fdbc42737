import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * releases.status gets `aborted` (a release stopped by hand ends ABORTED, not FAILED);
 * runtime_instances.restarts counts the deaths the watchdog found (a bake counts them against its gate).
 */
export class AbortedReleasesAndInstanceRestarts1796200000000 implements MigrationInterface {
  name = 'AbortedReleasesAndInstanceRestarts1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE releases DROP CONSTRAINT releases_status_check`);
    await q.query(`ALTER TABLE releases ADD CONSTRAINT releases_status_check CHECK (status IN ('pending', 'running', 'rolling_back', 'succeeded', 'failed', 'aborted'))`);
    await q.query(`ALTER TABLE runtime_instances ADD COLUMN restarts integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE runtime_instances DROP COLUMN restarts`);
    await q.query(`UPDATE releases SET status = 'failed' WHERE status = 'aborted'`);
    await q.query(`ALTER TABLE releases DROP CONSTRAINT releases_status_check`);
    await q.query(`ALTER TABLE releases ADD CONSTRAINT releases_status_check CHECK (status IN ('pending', 'running', 'rolling_back', 'succeeded', 'failed'))`);
  }
}
