import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inventory: applications scanned, every component declaration (SOURCE) or loaded component
 * (RUNTIME, per instance), production instances known from RuntimeInstanceEvents or configuration,
 * and accepted `detect` steps for the worker.
 */
export class Inventory1796200000000 implements MigrationInterface {
  name = 'Inventory1796200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inventory_application (
        application     text        PRIMARY KEY,
        repo_url        text,
        ref             text,
        commit          text,
        scanned_at      timestamptz,
        manifests       integer     NOT NULL DEFAULT 0,
        errors          jsonb       NOT NULL DEFAULT '[]'
      )`);
    await q.query(`
      CREATE TABLE inventory_component (
        id              bigserial   PRIMARY KEY,
        application     text        NOT NULL,
        origin          text        NOT NULL CHECK (origin IN ('SOURCE', 'RUNTIME')),
        instance        text        NOT NULL DEFAULT '',
        ecosystem       text        NOT NULL,
        name            text        NOT NULL,
        version         text,
        version_constraint text,
        direct          boolean     NOT NULL,
        kind            text        NOT NULL,
        declared_file   text,
        declared_line   integer,
        version_file    text,
        version_line    integer,
        via             text,
        scope           text,
        module          text        NOT NULL DEFAULT '',
        problem         jsonb,
        commit          text,
        observed_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX inventory_component_by_name ON inventory_component (ecosystem, name)');
    await q.query('CREATE INDEX inventory_component_by_app ON inventory_component (application, origin, instance)');
    await q.query(`
      CREATE TABLE runtime_instance (
        application     text        NOT NULL,
        instance        text        NOT NULL,
        address         text        NOT NULL,
        version         text        NOT NULL,
        commit          text,
        state           text        NOT NULL,
        environment     text        NOT NULL DEFAULT 'production',
        components      jsonb       NOT NULL DEFAULT '{}',
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (application, instance)
      )`);
    await q.query(`
      CREATE TABLE detect_step (
        step_id         text        PRIMARY KEY,
        run_id          text        NOT NULL,
        application     text        NOT NULL,
        command         jsonb       NOT NULL,
        status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
        attempts        integer     NOT NULL DEFAULT 0,
        result          jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX detect_step_pending ON detect_step (created_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE detect_step');
    await q.query('DROP TABLE runtime_instance');
    await q.query('DROP TABLE inventory_component');
    await q.query('DROP TABLE inventory_application');
  }
}
