/** A merge request as every provider (built-in, GitLab, GitHub) describes it. */
export const MERGE_REQUEST_STATUSES = ['open', 'merged', 'closed'] as const;
export type MergeRequestStatus = (typeof MERGE_REQUEST_STATUSES)[number];

export interface Approval {
  readonly by: string;
  readonly at: string;
  /** `manual` (task-manager's approve control) or `policy` (the task approves automatically). */
  readonly via: 'manual' | 'policy';
}

export interface MergeRequest {
  readonly id: string;
  readonly application: string;
  readonly repositoryUrl: string;
  readonly sourceBranch: string;
  readonly targetBranch: string;
  readonly title: string;
  readonly description: string;
  readonly diff: string;
  readonly headCommit: string;
  readonly baseCommit: string;
  readonly status: MergeRequestStatus;
  readonly approvals: readonly Approval[];
  readonly mergedCommit: string | null;
  readonly taskId: string;
  readonly runId: string;
}

export type OpenMergeRequest = Omit<MergeRequest, 'id' | 'status' | 'approvals' | 'mergedCommit'>;

/** The merge request operations change-service needs; every one is idempotent. */
export interface MergeRequestProvider {
  /** Opens a merge request for the branch, or returns (and refreshes) the open one. */
  open(input: OpenMergeRequest): Promise<MergeRequest>;
  get(id: string): Promise<MergeRequest | undefined>;
  approve(id: string, approval: Approval): Promise<MergeRequest>;
  markMerged(id: string, mergedCommit: string): Promise<MergeRequest>;
  /** Closes an unmerged merge request; a merged or closed one is left as it is. */
  close(id: string): Promise<MergeRequest | undefined>;
}
