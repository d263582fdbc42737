import type { MigrationInterface, QueryRunner } from 'typeorm';

/** merge_requests: the built-in merge request provider's store. */
export class MergeRequests1796100000001 implements MigrationInterface {
  name = 'MergeRequests1796100000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE merge_requests (
        id             text        PRIMARY KEY,
        application    text        NOT NULL,
        repository_url text        NOT NULL,
        source_branch  text        NOT NULL,
        target_branch  text        NOT NULL,
        title          text        NOT NULL,
        description    text        NOT NULL,
        diff           text        NOT NULL,
        head_commit    text        NOT NULL,
        base_commit    text        NOT NULL,
        status         text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'merged', 'closed')),
        approvals      jsonb       NOT NULL DEFAULT '[]',
        merged_commit  text,
        task_id        text        NOT NULL,
        run_id         text        NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX merge_requests_one_open_per_branch ON merge_requests (repository_url, source_branch) WHERE status = 'open'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE merge_requests');
  }
}
