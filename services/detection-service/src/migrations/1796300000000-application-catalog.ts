import type { MigrationInterface, QueryRunner } from 'typeorm';

/** detection-service's copy of task-manager's application catalog (from ApplicationCatalogEntry events), which the rescans cover. */
export class ApplicationCatalog1796300000000 implements MigrationInterface {
  name = 'ApplicationCatalog1796300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE catalog_application (
        name            text        PRIMARY KEY,
        team            text        NOT NULL,
        service         text        NOT NULL,
        repository_url  text        NOT NULL,
        default_branch  text        NOT NULL,
        build_tool      text        NOT NULL,
        labels          jsonb       NOT NULL DEFAULT '{}',
        deleted         boolean     NOT NULL DEFAULT false,
        occurred_at     timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE catalog_application');
  }
}
