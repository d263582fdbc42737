import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Approval, MergeRequest, MergeRequestProvider, OpenMergeRequest } from './merge-request.provider';

interface Row {
  id: string;
  application: string;
  repository_url: string;
  source_branch: string;
  target_branch: string;
  title: string;
  description: string;
  diff: string;
  head_commit: string;
  base_commit: string;
  status: MergeRequest['status'];
  approvals: Approval[];
  merged_commit: string | null;
  task_id: string;
  run_id: string;
}

const toMergeRequest = (r: Row): MergeRequest => ({
  id: r.id,
  application: r.application,
  repositoryUrl: r.repository_url,
  sourceBranch: r.source_branch,
  targetBranch: r.target_branch,
  title: r.title,
  description: r.description,
  diff: r.diff,
  headCommit: r.head_commit,
  baseCommit: r.base_commit,
  status: r.status,
  approvals: r.approvals,
  mergedCommit: r.merged_commit,
  taskId: r.task_id,
  runId: r.run_id,
});

/** The built-in provider: merge requests live in change-service's own database. */
export class DbMergeRequestProvider implements MergeRequestProvider {
  constructor(private readonly dataSource: DataSource) {}

  async open(i: OpenMergeRequest): Promise<MergeRequest> {
    // Deterministic id per (repository, branch, run): a repeated review step finds the same one; an
    // open merge request of the same branch left by an earlier run is taken over (one open per branch).
    const open = (await this.dataSource.query(`SELECT id FROM merge_requests WHERE repository_url = $1 AND source_branch = $2 AND status = 'open'`, [
      i.repositoryUrl,
      i.sourceBranch,
    ])) as { id: string }[];
    const id = open[0]?.id ?? `mr-${createHash('sha256').update(`${i.repositoryUrl}\n${i.sourceBranch}\n${i.runId}`).digest('hex').slice(0, 12)}`;
    const rows = (await this.dataSource.query(
      `INSERT INTO merge_requests (id, application, repository_url, source_branch, target_branch, title, description, diff, head_commit, base_commit, task_id, run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, diff = EXCLUDED.diff,
         head_commit = EXCLUDED.head_commit, base_commit = EXCLUDED.base_commit, task_id = EXCLUDED.task_id, run_id = EXCLUDED.run_id, updated_at = now()
         WHERE merge_requests.status = 'open'
       RETURNING *`,
      [id, i.application, i.repositoryUrl, i.sourceBranch, i.targetBranch, i.title, i.description, i.diff, i.headCommit, i.baseCommit, i.taskId, i.runId],
    )) as Row[];
    return rows[0] ? toMergeRequest(rows[0]) : (await this.get(id))!;
  }

  async get(id: string): Promise<MergeRequest | undefined> {
    const rows = (await this.dataSource.query('SELECT * FROM merge_requests WHERE id = $1', [id])) as Row[];
    return rows[0] ? toMergeRequest(rows[0]) : undefined;
  }

  async list(filter: { application?: string; status?: string } = {}): Promise<MergeRequest[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM merge_requests WHERE ($1::text IS NULL OR application = $1) AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC LIMIT 200`,
      [filter.application ?? null, filter.status ?? null],
    )) as Row[];
    return rows.map(toMergeRequest);
  }

  async approve(id: string, approval: Approval): Promise<MergeRequest> {
    const rows = (await this.dataSource.query(
      `UPDATE merge_requests SET approvals = CASE WHEN approvals @> $2::jsonb THEN approvals ELSE approvals || $2::jsonb END, updated_at = now()
       WHERE id = $1 AND NOT (approvals @> $3::jsonb) RETURNING *`,
      [id, JSON.stringify([approval]), JSON.stringify([{ by: approval.by, via: approval.via }])],
    )) as [Row[], number];
    return rows[0][0] ? toMergeRequest(rows[0][0]) : (await this.get(id))!;
  }

  async markMerged(id: string, mergedCommit: string): Promise<MergeRequest> {
    await this.dataSource.query(`UPDATE merge_requests SET status = 'merged', merged_commit = $2, updated_at = now() WHERE id = $1 AND status <> 'merged'`, [id, mergedCommit]);
    return (await this.get(id))!;
  }

  async close(id: string): Promise<MergeRequest | undefined> {
    await this.dataSource.query(`UPDATE merge_requests SET status = 'closed', updated_at = now() WHERE id = $1 AND status = 'open'`, [id]);
    return this.get(id);
  }
}
