/**
 * The component upgrade campaign over the sample fleet, through the services' REST APIs only: the
 * task specs (rpc-client 1.x → 2.0.0 for Maven and npm applications, the JavaAgent sidecar upgrade),
 * waiting for tasks, and measuring what a campaign left behind. Shared by `npm run demo`, the e2e
 * test and `npm run bench:campaign`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CatalogEntry, ExpectedApplication } from '../fleet/generate';

export const SERVICE_URLS = {
  taskManager: process.env['TASK_MANAGER_URL'] ?? 'http://127.0.0.1:3000',
  change: process.env['CHANGE_SERVICE_URL'] ?? 'http://127.0.0.1:3001',
  testEnv: process.env['TEST_ENV_SERVICE_URL'] ?? 'http://127.0.0.1:3002',
  release: process.env['RELEASE_SERVICE_URL'] ?? 'http://127.0.0.1:3003',
  detection: process.env['DETECTION_SERVICE_URL'] ?? 'http://127.0.0.1:3004',
} as const;
export type ServiceUrls = { readonly [K in keyof typeof SERVICE_URLS]: string };

export interface FleetExpected {
  readonly campaign: {
    readonly maven: { readonly groupId: string; readonly artifactId: string; readonly from: string; readonly to: string };
    readonly npm: { readonly packageName: string; readonly from: string; readonly to: string };
    readonly java: { readonly renames: ReadonlyArray<{ from: string; to: string }>; readonly methodRenames: ReadonlyArray<{ type: string; from: string; to: string }> };
    readonly node: { readonly module: string; readonly methodRename: { readonly from: string; readonly to: string } };
  };
  readonly sidecar: { readonly agent: string; readonly from: string; readonly to: string; readonly versionVariables: readonly string[]; readonly jarDir: string };
  readonly applications: Readonly<Record<string, ExpectedApplication>>;
  readonly totals: Readonly<Record<string, number>>;
}

export interface Fleet {
  readonly dir: string;
  readonly catalogYaml: string;
  readonly catalog: readonly CatalogEntry[];
  readonly expected: FleetExpected;
}

export function readFleet(dir: string): Fleet {
  const catalogYaml = readFileSync(join(dir, 'catalog.yaml'), 'utf8');
  const catalog = (parse(catalogYaml) as { applications: CatalogEntry[] }).applications;
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as FleetExpected;
  return { dir, catalogYaml, catalog, expected };
}

export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${url} answered ${status}: ${body.slice(0, 500)}`);
  }
}

export async function http<T>(method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const init: RequestInit = { method, headers: body === undefined ? {} : { 'content-type': contentType } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new HttpError(method, url, res.status, text);
  return (text === '' ? null : JSON.parse(text)) as T;
}

/** Step parameters that keep a demo release short: one instance first, then all; a short bake. */
export const DEMO_STEP_PARAMETERS: Readonly<Record<string, string>> = {
  'release.batches': '1,100%',
  'release.bakeMs': '3000',
  'release.probeIntervalMs': '500',
};

export interface TaskSpecBody {
  readonly name: string;
  readonly kind: 'component' | 'sidecar';
  readonly component: { readonly ecosystem: string; readonly coordinates: string };
  readonly fromRange: string;
  readonly toVersion: string;
  readonly selection: { readonly applications: readonly string[] };
  readonly rules: ReadonlyArray<{ readonly recipe: string; readonly options: Record<string, unknown> }>;
  readonly approval: 'automatic' | 'manual';
  readonly parameters: Record<string, string>;
  readonly dryRun?: { readonly count: number };
}

/** The npm side's source change: change-service's `text` recipe renames the method where the module is used. */
export function npmSourceRule(e: FleetExpected): { recipe: string; options: Record<string, unknown> } {
  const { module, methodRename } = e.campaign.node;
  return { recipe: 'text', options: { files: '{lib,src}/**/*.js', replacements: [{ from: `.${methodRename.from}(`, to: `.${methodRename.to}(` }], ifContains: module } };
}

/** The two tasks of the rpc-client 1.x → 2.0.0 campaign: one for the Maven applications, one for the npm ones. */
export function campaignTasks(fleet: Fleet, options: { readonly parameters?: Record<string, string>; readonly applications?: readonly string[] } = {}): TaskSpecBody[] {
  const c = fleet.expected.campaign;
  const selected = (tool: string) => fleet.catalog.filter((a) => a.buildTool === tool && (options.applications?.includes(a.name) ?? true)).map((a) => a.name);
  const parameters = { ...DEMO_STEP_PARAMETERS, ...options.parameters };
  const tasks: TaskSpecBody[] = [];
  const maven = selected('maven');
  if (maven.length > 0)
    tasks.push({
      name: `${c.maven.artifactId} ${c.maven.to} (Maven)`,
      kind: 'component',
      component: { ecosystem: 'maven', coordinates: `${c.maven.groupId}:${c.maven.artifactId}` },
      fromRange: `[${c.maven.from},${c.maven.to})`,
      toVersion: c.maven.to,
      selection: { applications: maven },
      rules: [
        { recipe: 'maven', options: { groupId: c.maven.groupId, artifactId: c.maven.artifactId, toVersion: c.maven.to } },
        { recipe: 'java', options: { renames: c.java.renames, methodRenames: c.java.methodRenames } },
      ],
      approval: 'automatic',
      parameters,
    });
  const npm = selected('npm');
  if (npm.length > 0)
    tasks.push({
      name: `${c.npm.packageName} ${c.npm.to} (npm)`,
      kind: 'component',
      component: { ecosystem: 'npm', coordinates: c.npm.packageName },
      fromRange: `>=${c.npm.from} <${c.npm.to}`,
      toVersion: c.npm.to,
      selection: { applications: npm },
      rules: [{ recipe: 'npm', options: { packageName: c.npm.packageName, toVersion: c.npm.to } }, npmSourceRule(fleet.expected)],
      approval: 'automatic',
      parameters,
    });
  return tasks;
}

/** The sidecar task: the JavaAgent upgrade for the applications that carry it. */
export function sidecarTask(fleet: Fleet, parameters: Record<string, string> = {}): TaskSpecBody | null {
  const s = fleet.expected.sidecar;
  const apps = Object.entries(fleet.expected.applications)
    .filter(([, e]) => e.javaagent !== undefined)
    .map(([name]) => name);
  if (apps.length === 0) return null;
  return {
    name: `${s.agent} ${s.to} (sidecar)`,
    kind: 'sidecar',
    component: { ecosystem: 'javaagent', coordinates: s.agent },
    fromRange: s.from,
    toVersion: s.to,
    selection: { applications: apps },
    rules: [{ recipe: 'javaagent', options: { agent: s.agent, toVersion: s.to, versionVariables: s.versionVariables } }],
    approval: 'automatic',
    parameters: { ...DEMO_STEP_PARAMETERS, ...parameters },
  };
}

export interface TaskView {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly runsByStatus: Record<string, number>;
}

export interface LedgerView {
  readonly kind: string;
  readonly id: string;
  readonly attributes: Record<string, string>;
  readonly status: string;
}

export interface StageView {
  readonly name: string;
  readonly status: string;
  readonly attempt: number;
  readonly lastErrorClass: string | null;
  readonly lastMessage: string | null;
}

export interface RunView {
  readonly id: string;
  readonly taskId: string;
  readonly application: string;
  readonly team: string;
  readonly status: string;
  readonly state: { readonly stages: readonly StageView[]; readonly ledger: readonly LedgerView[]; readonly retries: number; readonly manualActions: number };
  readonly steps: ReadonlyArray<Record<string, unknown>>;
  readonly resources: readonly LedgerView[];
}

export const FINISHED = new Set(['succeeded', 'failed', 'aborted', 'not-applicable']);

export async function createAndStart(urls: ServiceUrls, spec: TaskSpecBody): Promise<TaskView> {
  const plan = await http<{ task: TaskView }>('POST', `${urls.taskManager}/api/tasks`, spec);
  await http('POST', `${urls.taskManager}/api/tasks/${plan.task.id}/start`);
  return plan.task;
}

export async function taskRuns(urls: ServiceUrls, taskId: string): Promise<RunView[]> {
  const list = await http<Array<{ id: string }> | { runs: Array<{ id: string }> }>('GET', `${urls.taskManager}/api/tasks/${taskId}/runs`);
  const ids = (Array.isArray(list) ? list : list.runs).map((r) => r.id);
  return Promise.all(ids.map((id) => http<RunView>('GET', `${urls.taskManager}/api/runs/${id}`)));
}

/** Where a run is: its finished status, else the stage in flight (or waiting). */
export function currentStage(run: RunView): string {
  if (FINISHED.has(run.status)) return run.status;
  if (run.status === 'awaiting-approval') return 'awaiting approval';
  const stage = run.state.stages.find((s) => s.status === 'running' || s.status === 'waiting-retry') ?? run.state.stages.find((s) => s.status === 'pending');
  if (!stage) return run.status;
  return stage.status === 'waiting-retry' ? `${stage.name} (retry after ${stage.lastErrorClass ?? 'failure'})` : stage.attempt > 1 ? `${stage.name} #${stage.attempt}` : stage.name;
}

/**
 * Polls the tasks' runs until every run is finished and no resource is still being released; calls
 * `onTick` with the runs each time. Throws after `timeoutMs`.
 */
export async function waitForRuns(urls: ServiceUrls, taskIds: readonly string[], onTick: (runs: RunView[]) => void, timeoutMs: number, pollMs = 1000): Promise<RunView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = (await Promise.all(taskIds.map((id) => taskRuns(urls, id)))).flat();
    onTick(runs);
    const settled = runs.every((r) => FINISHED.has(r.status) && r.state.ledger.every((l) => l.status === 'released' || l.status === 'release-failed'));
    if (settled) return runs;
    if (Date.now() > deadline) throw new Error(`runs not finished after ${timeoutMs} ms: ${runs.filter((r) => !FINISHED.has(r.status)).map((r) => `${r.application}=${currentStage(r)}`).join(', ')}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export interface Leaks {
  readonly branches: readonly string[];
  readonly openMergeRequests: readonly string[];
  readonly liveEnvironments: readonly string[];
  readonly total: number;
}

/** Branches Shipshape pushed (`shipshape/…`) still in the fleet's bare repositories, read with git. */
export function shipshapeBranches(fleetDir: string): string[] {
  const reposDir = join(fleetDir, 'repos');
  if (!existsSync(reposDir)) return [];
  const out: string[] = [];
  for (const repo of readdirSync(reposDir).filter((d) => d.endsWith('.git'))) {
    const refs = execFileSync('git', ['--git-dir', join(reposDir, repo), 'for-each-ref', '--format=%(refname:short)', 'refs/heads/shipshape/'], { encoding: 'utf8' });
    for (const ref of refs.split('\n').filter((l) => l.trim() !== '')) out.push(`${repo.replace(/\.git$/, '')}:${ref}`);
  }
  return out;
}

/**
 * What the campaign left behind, measured from outside: `shipshape/` branches in the bare repos (git),
 * open merge requests (change-service REST), test environments of these runs not torn down
 * (test-env-service REST, ids from the runs' resource ledgers).
 */
export async function measureLeaks(urls: ServiceUrls, fleetDir: string, runs: readonly RunView[]): Promise<Leaks> {
  const branches = shipshapeBranches(fleetDir);
  const apps = new Set(runs.map((r) => r.application));
  const open = await http<Array<{ id: string; application?: string; sourceBranch?: string }>>('GET', `${urls.change}/merge-requests?status=open`);
  const openMergeRequests = open.filter((m) => m.application === undefined || apps.has(m.application)).map((m) => `${m.application ?? '?'}:${m.id}`);
  const envIds = [...new Set(runs.flatMap((r) => r.state.ledger.filter((l) => l.kind === 'test-environment').map((l) => l.id)))];
  const liveEnvironments: string[] = [];
  for (const id of envIds) {
    const env = await http<{ state: string }>('GET', `${urls.testEnv}/api/environments/${encodeURIComponent(id)}`).catch((err: unknown) => {
      if (err instanceof HttpError && err.status === 404) return { state: 'unknown' };
      throw err;
    });
    if (['waiting', 'provisioning', 'ready'].includes(env.state)) liveEnvironments.push(id);
  }
  return { branches, openMergeRequests, liveEnvironments, total: branches.length + openMergeRequests.length + liveEnvironments.length };
}

export interface CampaignFigures {
  readonly runs: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly not_applicable: number;
  readonly aborted: number;
  readonly one_shot: number;
  readonly one_shot_success_rate: number | null;
  readonly failures_by_class: Record<string, number>;
}

/** The stage and class a failed run failed with. */
export function failureOf(run: RunView): { stage: string; errorClass: string; message: string } | null {
  if (run.status !== 'failed') return null;
  const stage = run.state.stages.find((s) => s.status === 'failed');
  return { stage: stage?.name ?? '?', errorClass: stage?.lastErrorClass ?? 'UNKNOWN', message: stage?.lastMessage ?? '' };
}

/**
 * How a run differs from what the fleet's expected.json says of its application (status, failing stage and
 * class, one-shot, the skip reason); null when it ends as expected.
 */
export function deviationOf(run: RunView, expected: ExpectedApplication | undefined): string | null {
  if (expected === undefined) return `${run.application}: not in expected.json`;
  const failure = failureOf(run);
  const seen = failure ? `${run.status} ${failure.errorClass} at ${failure.stage}` : run.status;
  const differs = (want: string) => `${run.application}: ${seen}, expected ${want}`;
  switch (expected.outcome) {
    case 'succeeded':
      if (run.status !== 'succeeded') return differs('succeeded');
      return isOneShot(run) === expected.oneShot ? null : differs(expected.oneShot ? 'succeeded in one shot' : 'succeeded after a retry');
    case 'failed':
      return failure?.errorClass === expected.errorClass && failure.stage === expected.stage ? null : differs(`failed ${expected.errorClass} at ${expected.stage}`);
    case 'skipped':
      // change-service pushes nothing and fails with the typed skip reason (non-standard dependency usage).
      return failure?.errorClass === 'DEPENDENCY_RESOLUTION' && failure.stage === 'change' && failure.message.includes(expected.skipReason)
        ? null
        : differs(`failed DEPENDENCY_RESOLUTION at change (${expected.skipReason})`);
    case 'not_applicable':
      return run.status === 'not-applicable' ? null : differs('not-applicable');
    default: {
      const never: never = expected;
      throw new Error(`unknown outcome ${JSON.stringify(never)}`);
    }
  }
}

/** A run that succeeded without a retry or a manual action. */
export function isOneShot(run: RunView): boolean {
  return run.status === 'succeeded' && run.state.retries === 0 && run.state.manualActions === 0;
}

export function figuresOf(runs: readonly RunView[]): CampaignFigures {
  const count = (status: string) => runs.filter((r) => r.status === status).length;
  const failuresByClass: Record<string, number> = {};
  for (const r of runs) {
    const f = failureOf(r);
    if (f) failuresByClass[f.errorClass] = (failuresByClass[f.errorClass] ?? 0) + 1;
  }
  const applicable = runs.filter((r) => r.status !== 'not-applicable').length;
  const oneShot = runs.filter(isOneShot).length;
  return {
    runs: runs.length,
    succeeded: count('succeeded'),
    failed: count('failed'),
    not_applicable: count('not-applicable'),
    aborted: count('aborted'),
    one_shot: oneShot,
    one_shot_success_rate: applicable === 0 ? null : Math.round((oneShot / applicable) * 1000) / 1000,
    failures_by_class: failuresByClass,
  };
}
