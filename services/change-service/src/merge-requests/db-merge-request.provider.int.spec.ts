import { MESSAGING_MIGRATIONS } from '@shipshape/messaging';
import { createTestDatabase, type TestDatabase } from '@shipshape/testkit';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANGE_SERVICE_SERVICE } from '../service';
import { DbMergeRequestProvider } from './db-merge-request.provider';
import type { OpenMergeRequest } from './merge-request.provider';

let db: TestDatabase;
let dataSource: DataSource;
const mr = (over: Partial<OpenMergeRequest> = {}): OpenMergeRequest => ({
  application: 'ledger',
  repositoryUrl: 'file:///fleet/ledger.git',
  sourceBranch: 'shipshape/rpc/ledger',
  targetBranch: 'main',
  title: 'Upgrade rpc',
  description: 'what changed',
  diff: '--- a/pom.xml',
  headCommit: 'a'.repeat(40),
  baseCommit: 'b'.repeat(40),
  taskId: 'rpc',
  runId: 'run-1',
  ...over,
});

beforeAll(async () => {
  db = await createTestDatabase('change_mr');
  dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: [...MESSAGING_MIGRATIONS, ...CHANGE_SERVICE_SERVICE.migrations], migrationsTransactionMode: 'each' });
  await dataSource.initialize();
  await dataSource.runMigrations();
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

describe('built-in merge request provider (Postgres)', () => {
  it('opens once per run, refreshes on repeat, records each approval once, merges, and never reopens', async () => {
    const p = new DbMergeRequestProvider(dataSource);
    const first = await p.open(mr());
    const again = await p.open(mr({ headCommit: 'c'.repeat(40), description: 'refreshed' }));
    expect(again).toMatchObject({ id: first.id, status: 'open', headCommit: 'c'.repeat(40), description: 'refreshed' });
    const approval = { by: 'alice', via: 'manual' as const, at: new Date().toISOString() };
    await p.approve(first.id, approval);
    expect((await p.approve(first.id, { ...approval, at: new Date().toISOString() })).approvals).toEqual([approval]);
    expect(await p.markMerged(first.id, 'd'.repeat(40))).toMatchObject({ status: 'merged', mergedCommit: 'd'.repeat(40) });
    expect(await p.close(first.id)).toMatchObject({ status: 'merged' });
    expect(await p.open(mr({ description: 'late review' }))).toMatchObject({ id: first.id, status: 'merged', description: 'refreshed' });
  });

  it('a new run takes over the open merge request an earlier run left on the same branch', async () => {
    const p = new DbMergeRequestProvider(dataSource);
    const left = await p.open(mr({ sourceBranch: 'shipshape/rpc/fx', runId: 'run-a' }));
    const taken = await p.open(mr({ sourceBranch: 'shipshape/rpc/fx', runId: 'run-b', title: 'Upgrade rpc (retry)' }));
    expect(taken).toMatchObject({ id: left.id, runId: 'run-b', title: 'Upgrade rpc (retry)', status: 'open' });
    await p.close(left.id);
    const fresh = await p.open(mr({ sourceBranch: 'shipshape/rpc/fx', runId: 'run-c' }));
    expect(fresh.id).not.toBe(left.id);
  });
});
