import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Why the last scan of a catalog application failed (null once it succeeds or the catalog entry changes): the catch-up scan skips it until then. */
export class CatalogScanError1796300000001 implements MigrationInterface {
  name = 'CatalogScanError1796300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE catalog_application ADD COLUMN scan_error jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE catalog_application DROP COLUMN scan_error');
  }
}
