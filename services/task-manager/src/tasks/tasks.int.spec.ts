import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServiceApp } from '@shipshape/service-kit';
import type { TestDatabase } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCatalogFile } from '../../scripts/import-catalog';
import { COMPONENT_TASK, api, bootTaskManager, createTestDatabase, createTestTopics, deleteTestTopics, fleet, sql, type TestTopics } from '../../test/task-manager.harness';

let db: TestDatabase;
let topics: TestTopics;
let running: RunningServiceApp;
let url: string;

beforeAll(async () => {
  db = await createTestDatabase('tm_rest', { create: false });
  topics = await createTestTopics('tm-rest', 1);
  running = await bootTaskManager(db, topics);
  url = running.url;
});

afterAll(async () => {
  await running?.app.close();
  await db?.drop();
  if (topics) await deleteTestTopics(topics);
});

describe('catalog', () => {
  it('imports a YAML fleet, upserting by name', async () => {
    const yaml = `applications:
  - name: billing
    team: payments
    service: billing-svc
    repositoryUrl: /repos/billing.git
    buildTool: maven
    commands: { build: mvn package, test: mvn test, run: java -jar target/app.jar }
    healthPath: /actuator/health
    productionInstances: 3
  - name: ledger
    team: payments
    service: ledger-svc
    repositoryUrl: /repos/ledger.git
`;
    const first = await api<{ created: number; updated: number }>(url, 'POST', '/api/applications/import', yaml, 'application/yaml');
    expect(first).toMatchObject({ status: 200, body: { created: 2, updated: 0 } });
    const again = await api<{ created: number; updated: number }>(url, 'POST', '/api/applications/import', yaml, 'text/yaml');
    expect(again.body).toMatchObject({ created: 0, updated: 2 });

    const billing = await api(url, 'GET', '/api/applications/billing');
    expect(billing.body).toMatchObject({ team: 'payments', defaultBranch: 'main', commands: { run: 'java -jar target/app.jar' }, healthPath: '/actuator/health', productionInstances: 3 });
  });

  it('imports JSON and names the entry and field of every problem, importing nothing', async () => {
    const res = await api<{ errors: Array<{ field: string; message: string }> }>(url, 'POST', '/api/applications/import', [
      { name: 'ok-app', team: 't', service: 's', repositoryUrl: '/r.git' },
      { name: 'broken', service: 's', repositoryUrl: '/r.git', buildTool: 'ant', healthPath: 'health' },
      { name: 'ok-app', team: 't', service: 's', repositoryUrl: '/r.git' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.field)).toEqual(['applications[1] (broken).team', 'applications[1] (broken).buildTool', 'applications[1] (broken).healthPath', 'applications[2] (ok-app).name']);
    expect(await sql(db, `SELECT 1 FROM applications WHERE name = 'ok-app'`)).toEqual([]);

    const bad = await api<{ errors: Array<{ field: string }> }>(url, 'POST', '/api/applications/import', 'a: [unclosed', 'text/yaml');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.field).toBe('(file)');
  });

  it('imports a fleet file with the script, naming entry and field on errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tm-fleet-'));
    const good = join(dir, 'fleet.json');
    await writeFile(good, JSON.stringify([{ name: 'from-file', team: 'files', service: 'file-svc', repositoryUrl: '/repos/from-file.git' }]));
    expect(await importCatalogFile(good, url)).toEqual({ status: 200, body: expect.objectContaining({ created: 1, updated: 0 }) });
    const bad = join(dir, 'fleet.yaml');
    await writeFile(bad, '- name: no-team\n  service: s\n  repositoryUrl: /r.git\n');
    const result = await importCatalogFile(bad, url);
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{ field: 'applications[0] (no-team).team', message: 'is required and must be a string' }]);
  });

  it('edits single applications over REST', async () => {
    const created = await api(url, 'POST', '/api/applications', { name: 'search', team: 'discovery', service: 'search-svc', repositoryUrl: '/repos/search.git' });
    expect(created.status).toBe(201);
    const dup = await api(url, 'POST', '/api/applications', { name: 'search', team: 'discovery', service: 'search-svc', repositoryUrl: '/repos/search.git' });
    expect(dup.status).toBe(400);
    const patched = await api(url, 'PATCH', '/api/applications/search', { team: 'platform', commands: { test: 'npm test' } });
    expect(patched.body).toMatchObject({ team: 'platform', commands: { test: 'npm test' }, repositoryUrl: '/repos/search.git' });
    const badPatch = await api<{ errors: Array<{ field: string }> }>(url, 'PATCH', '/api/applications/search', { productionInstances: -1, colour: 'red' });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.errors.map((e) => e.field).sort()).toEqual(['(body)', 'productionInstances']);
    expect((await api(url, 'GET', '/api/applications/nope')).status).toBe(404);
    expect((await api(url, 'DELETE', '/api/applications/search')).status).toBe(204);
    expect((await api(url, 'GET', '/api/applications/search')).status).toBe(404);
  });
});

describe('tasks', () => {
  beforeAll(async () => {
    const res = await api(url, 'POST', '/api/applications/import', { applications: fleet(12, 3) });
    expect(res.status).toBe(200);
  });

  it('resolves the selection into one run per application and shows the plan without starting', async () => {
    const res = await api<{ task: { id: string; status: string }; plan: { total: number; runs: Array<{ application: string; stages: string[] }> } }>(url, 'POST', '/api/tasks', {
      ...COMPONENT_TASK,
      selection: { teams: ['team-0'], applications: ['app-0001'] },
    });
    expect(res.status).toBe(201);
    expect(res.body.task.status).toBe('planned');
    expect(res.body.plan.runs.map((r) => r.application)).toEqual(['app-0000', 'app-0001', 'app-0003', 'app-0006', 'app-0009']);
    expect(res.body.plan.runs[0]?.stages).toEqual(['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect']);
    expect(await sql(db, `SELECT count(*)::int AS n FROM steps`)).toEqual([{ n: 0 }]);
  });

  it('samples a dry run across teams and stops its pipeline after test-verify', async () => {
    const res = await api<{ plan: { runs: Array<{ team: string; stages: string[] }> } }>(url, 'POST', '/api/tasks', {
      ...COMPONENT_TASK,
      selection: { teams: ['team-0', 'team-1', 'team-2'] },
      dryRun: { percent: 25 },
    });
    expect(res.status).toBe(201);
    expect(res.body.plan.runs.map((r) => r.team)).toEqual(['team-0', 'team-1', 'team-2']);
    expect(res.body.plan.runs[0]?.stages).toEqual(['change', 'test-deploy', 'test-verify']);
  });

  it('takes a custom pipeline with per-stage options', async () => {
    const res = await api<{ task: { id: string } }>(url, 'POST', '/api/tasks', {
      ...COMPONENT_TASK,
      selection: { applications: ['app-0002'] },
      pipeline: { stages: [{ name: 'change', timeoutMs: 1000, retry: { maxAttempts: 5, nonRetryable: ['TIMEOUT'] }, concurrency: 2 }, { name: 'merge' }] },
    });
    expect(res.status).toBe(201);
    const [run] = await sql<{ state: { definition: { stages: unknown[] } } }>(db, 'SELECT state FROM runs WHERE task_id = $1', [res.body.task.id]);
    expect(run?.state.definition.stages).toEqual([
      { name: 'change', timeoutMs: 1000, retry: { initialIntervalMs: 1000, coefficient: 2, maxIntervalMs: 60000, maxAttempts: 5, nonRetryable: ['TIMEOUT'] }, concurrency: 2 },
      { name: 'merge', timeoutMs: 300000, retry: { initialIntervalMs: 1000, coefficient: 2, maxIntervalMs: 60000, maxAttempts: 3, nonRetryable: [] }, concurrency: null },
    ]);
  });

  it('answers bad input with 400 naming each field', async () => {
    const res = await api<{ errors: Array<{ field: string }> }>(url, 'POST', '/api/tasks', {
      kind: 'library',
      component: { ecosystem: 'cobol' },
      fromRange: '',
      selection: { applications: ['nope'] },
      dryRun: { count: 1, percent: 5 },
      pipeline: { stages: [{ name: 'deploy' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e) => e.field).sort()).toEqual(['component.coordinates', 'component.ecosystem', 'dryRun', 'fromRange', 'kind', 'pipeline.stages[0].name', 'toVersion']);

    const unknown = await api<{ errors: Array<{ field: string; message: string }> }>(url, 'POST', '/api/tasks', { ...COMPONENT_TASK, selection: { applications: ['app-0001', 'ghost'], teams: ['nobody'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([
      { field: 'selection.applications[1]', message: 'no application named ghost' },
      { field: 'selection.teams[0]', message: 'no application of team nobody' },
    ]);
  });

  it('answers unknown ids with 404', async () => {
    for (const path of ['/api/tasks/3f1f7c1e-0000-4000-8000-000000000000', '/api/tasks/not-a-uuid', '/api/runs/3f1f7c1e-0000-4000-8000-000000000000']) {
      expect((await api(url, 'GET', path)).status).toBe(404);
    }
    expect((await api(url, 'POST', '/api/tasks/3f1f7c1e-0000-4000-8000-000000000000/start')).status).toBe(404);
    expect((await api(url, 'POST', '/api/runs/3f1f7c1e-0000-4000-8000-000000000000/abort')).status).toBe(404);
  });

  it('serves OpenAPI at /api/docs', async () => {
    const page = await fetch(`${url}/api/docs`);
    expect(page.status).toBe(200);
    const doc = await api<{ paths: Record<string, unknown> }>(url, 'GET', '/api/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/applications/import', '/api/tasks', '/api/tasks/{id}/start', '/api/runs/{id}/retry', '/api/runs/{id}/release/{control}']));
  });
});
