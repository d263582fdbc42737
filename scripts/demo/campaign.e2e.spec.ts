/**
 * The whole stack, from outside: the rpc-client 1.x → 2.0.0 campaign over a fresh 12-application
 * fleet through task-manager's REST API, on the five running services (`npm run stack:up -- --services`,
 * idempotent). Asserts with git, the services' REST APIs, the applications' own endpoints and the
 * events on `shipshape.run.events`. Uses its own fleet (`.local/e2e-fleet`, npm registry on 4880); the
 * catalog import points the twelve application names at it (do not run it alongside `npm run demo`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AvroCodec, TOPICS, type RunEvent } from '@shipshape/contracts';
import { getTestInfra } from '@shipshape/testkit';
import { Kafka, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleet } from '../fleet/generate';
import { startFleetRegistry, type FleetRegistry } from '../fleet/npm-registry';
import {
  SERVICE_URLS,
  campaignTasks,
  createAndStart,
  failureOf,
  figuresOf,
  http,
  isOneShot,
  measureLeaks,
  readFleet,
  waitForRuns,
  type Fleet,
  type RunView,
  type TaskView,
} from './campaign';

const ROOT = resolve(__dirname, '../..');
const FLEET_DIR = join(ROOT, '.local', 'e2e-fleet');
const REGISTRY_PORT = 4880;
const CAMPAIGN_TIMEOUT_MS = 7 * 60_000;

let fleet: Fleet;
let registry: FleetRegistry | null = null;
let consumer: Consumer | null = null;
const events: RunEvent[] = [];
const originalHeads = new Map<string, string>();
const tasks: TaskView[] = [];
let runs: RunView[] = [];

const gitDirOf = (app: string) => fleet.catalog.find((a) => a.name === app)!.repositoryUrl.replace(/^file:\/\//, '');
const git = (app: string, args: readonly string[]) => execFileSync('git', ['--git-dir', gitDirOf(app), ...args], { encoding: 'utf8' });
const runOf = (app: string) => {
  const run = runs.find((r) => r.application === app);
  if (!run) throw new Error(`no run for ${app}`);
  return run;
};
const expectedApps = () => Object.entries(fleet.expected.applications);

/** What a file of the application should read after the campaign, given what it read before. */
function expectedContent(file: string, before: string): string {
  const c = fleet.expected.campaign;
  if (file === 'pom.xml') {
    const dep = new RegExp(`(<artifactId>${c.maven.artifactId}</artifactId>\\s*<version>)${c.maven.from.replace(/\./g, '\\.')}(</version>)`);
    return before.replace(dep, `$1${c.maven.to}$2`);
  }
  if (file.endsWith('.java')) {
    let out = before;
    for (const r of c.java.renames) out = out.split(r.from).join(r.to);
    for (const m of c.java.methodRenames) out = out.split(`.${m.from}(`).join(`.${m.to}(`);
    return out;
  }
  if (file === 'package.json') return before.replace(`"${c.npm.packageName}": "^${c.npm.from}"`, `"${c.npm.packageName}": "^${c.npm.to}"`);
  if (file.endsWith('.js')) return before.split(`.${c.node.methodRename.from}(`).join(`.${c.node.methodRename.to}(`);
  throw new Error(`no expectation for ${file}`);
}

beforeAll(async () => {
  // A fresh fleet every time: the campaign merges into its default branches.
  rmSync(join(FLEET_DIR, '.fleet-stamp.json'), { force: true });
  generateFleet({ out: FLEET_DIR, count: 12, seed: 'shipshape', registryPort: REGISTRY_PORT });
  fleet = readFleet(FLEET_DIR);
  for (const a of fleet.catalog) originalHeads.set(a.name, git(a.name, ['rev-parse', a.defaultBranch]).trim());
  registry = await startFleetRegistry(join(FLEET_DIR, 'npm'), REGISTRY_PORT);

  const up = spawnSync('npm', ['run', 'stack:up', '--', '--services'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (up.status !== 0) throw new Error(`npm run stack:up -- --services failed:\n${up.stderr.slice(-3000)}`);

  const infra = await getTestInfra();
  const codec = AvroCodec.fromContracts();
  const kafka = new Kafka({ clientId: 'campaign-e2e', brokers: infra.kafkaBrokers.split(','), logLevel: 0 });
  consumer = kafka.consumer({ groupId: `campaign-e2e-${Date.now().toString(36)}` });
  const joined = new Promise<void>((res) => consumer!.on(consumer!.events.GROUP_JOIN, () => res()));
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.runEvents, fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      events.push(codec.decodeAs(message.value, 'RunEvent').value);
    },
  });
  await joined;

  await http('POST', `${SERVICE_URLS.taskManager}/api/applications/import`, fleet.catalogYaml, 'text/yaml');
  for (const spec of campaignTasks(fleet)) tasks.push(await createAndStart(SERVICE_URLS, spec));
  runs = await waitForRuns(SERVICE_URLS, tasks.map((t) => t.id), () => undefined, CAMPAIGN_TIMEOUT_MS, 2000);
}, CAMPAIGN_TIMEOUT_MS + 180_000);

afterAll(async () => {
  await consumer?.disconnect();
  await registry?.close();
});

describe('rpc-client 2.0 campaign over the whole stack', () => {
  it('ends every application the way expected.json says', () => {
    expect(runs.map((r) => r.application).sort()).toEqual(expectedApps().map(([name]) => name).sort());
    for (const [app, e] of expectedApps()) {
      const run = runOf(app);
      const failure = failureOf(run);
      const seen = { app, status: run.status, failure: failure && { stage: failure.stage, errorClass: failure.errorClass } };
      switch (e.outcome) {
        case 'succeeded':
          expect(seen).toEqual({ app, status: 'succeeded', failure: null });
          expect({ app, oneShot: isOneShot(run) }).toEqual({ app, oneShot: e.oneShot });
          if (e.retriedClass) expect(run.steps.some((s) => s['errorClass'] === e.retriedClass)).toBe(true);
          break;
        case 'failed':
          expect(seen).toEqual({ app, status: 'failed', failure: { stage: e.stage, errorClass: e.errorClass } });
          break;
        case 'skipped':
          // change-service pushes nothing and reports the typed skip reason (root cause: non-standard dependency usage).
          expect(seen).toEqual({ app, status: 'failed', failure: { stage: 'change', errorClass: 'DEPENDENCY_RESOLUTION' } });
          expect(failure?.message).toContain(e.skipReason);
          break;
        case 'not_applicable':
          expect(seen).toEqual({ app, status: 'not-applicable', failure: null });
          break;
        default: {
          const never: never = e;
          throw new Error(`unknown outcome ${JSON.stringify(never)}`);
        }
      }
    }
  });

  it('merged exactly the expected diff into each upgraded default branch and left the others untouched', () => {
    for (const [app, e] of expectedApps()) {
      const before = originalHeads.get(app)!;
      const head = git(app, ['rev-parse', 'main']).trim();
      if (e.outcome !== 'succeeded') {
        expect({ app, head }).toEqual({ app, head: before });
        continue;
      }
      const changed = git(app, ['diff', '--name-only', before, head]).split('\n').filter((l) => l !== '').sort();
      const mentionsOld = (file: string) => {
        const text = git(app, ['show', `${before}:${file}`]);
        return e.buildTool === 'maven' ? fleet.expected.campaign.java.renames.some((r) => text.includes(r.from)) : text.includes(fleet.expected.campaign.node.module) && text.includes(`.${fleet.expected.campaign.node.methodRename.from}(`);
      };
      const sources = git(app, ['ls-tree', '-r', '--name-only', before])
        .split('\n')
        .filter((f) => (e.buildTool === 'maven' ? f.endsWith('.java') : /^(lib|src)\/.*\.js$/.test(f)) && mentionsOld(f));
      const expectedFiles = (e.buildTool === 'maven' ? ['pom.xml', ...sources] : ['package.json', 'package-lock.json', ...sources]).sort();
      expect({ app, changed }).toEqual({ app, changed: expectedFiles });
      for (const file of changed.filter((f) => f !== 'package-lock.json')) {
        expect({ app, file, content: git(app, ['show', `${head}:${file}`]) }).toEqual({ app, file, content: expectedContent(file, git(app, ['show', `${before}:${file}`])) });
      }
      if (changed.includes('package-lock.json')) {
        const lock = JSON.parse(git(app, ['show', `${head}:package-lock.json`])) as { packages: Record<string, { version?: string }> };
        expect(lock.packages[`node_modules/${fleet.expected.campaign.npm.packageName}`]?.version).toBe(fleet.expected.campaign.npm.to);
      }
    }
  });

  it('runs the new version on every production instance, and detection from runtime says so', async () => {
    for (const [app, e] of expectedApps().filter(([, x]) => x.outcome === 'succeeded')) {
      const run = runOf(app);
      expect({ app, detect: run.state.stages.find((s) => s.name === 'detect')?.status }).toEqual({ app, detect: 'succeeded' });
      const head = git(app, ['rev-parse', 'main']).trim();
      const { instances } = await http<{ instances: Array<{ instanceId: string; address: string; commit: string; state: string }> }>('GET', `${SERVICE_URLS.release}/api/runtime/applications/${app}/instances`);
      const live = instances.filter((i) => i.state === 'running');
      const wanted = fleet.catalog.find((a) => a.name === app)!.productionInstances;
      expect({ app, count: live.length }).toEqual({ app, count: wanted });
      for (const i of live) {
        expect({ app, instance: i.instanceId, commit: i.commit }).toEqual({ app, instance: i.instanceId, commit: head });
        const report = await http<{ components: Array<{ name: string; version: string }> }>('GET', `http://${i.address}/shipshape/components`);
        const c = fleet.expected.campaign;
        const [name, to] = e.buildTool === 'maven' ? [`${c.maven.groupId}:${c.maven.artifactId}`, c.maven.to] : [c.npm.packageName, c.npm.to];
        expect({ app, instance: i.instanceId, version: report.components.find((x) => x.name === name)?.version }).toEqual({ app, instance: i.instanceId, version: to });
      }
    }
  });

  it('leaves no branch, merge request or test environment behind', async () => {
    const leaks = await measureLeaks(SERVICE_URLS, FLEET_DIR, runs);
    expect(leaks).toEqual({ branches: [], openMergeRequests: [], liveEnvironments: [], total: 0 });
    for (const r of runs) expect({ app: r.application, held: r.state.ledger.filter((l) => l.status !== 'released') }).toEqual({ app: r.application, held: [] });
  });

  it('tells the same story on shipshape.run.events as the REST API', () => {
    const terminal: Record<string, string> = { SUCCEEDED: 'succeeded', FAILED: 'failed', ABORTED: 'aborted', SKIPPED: 'not-applicable' };
    for (const r of runs) {
      const mine = events.filter((ev) => ev.runId === r.id && ev.scope === 'RUN');
      expect({ app: r.application, started: mine.some((ev) => ev.transition === 'STARTED') }).toEqual({ app: r.application, started: true });
      const ends = mine.filter((ev) => ev.transition in terminal);
      expect({ app: r.application, ends: ends.map((ev) => terminal[ev.transition]) }).toEqual({ app: r.application, ends: [r.status] });
      const failure = failureOf(r);
      if (failure) expect({ app: r.application, errorClass: ends[0]?.errorClass }).toEqual({ app: r.application, errorClass: failure.errorClass });
      // Every stage the REST view says succeeded has its STAGE SUCCEEDED event.
      for (const s of r.state.stages.filter((x) => x.status === 'succeeded')) {
        expect({ app: r.application, stage: s.name, event: events.some((ev) => ev.runId === r.id && ev.scope === 'STAGE' && ev.stage === s.name && ev.transition === 'SUCCEEDED') }).toEqual({ app: r.application, stage: s.name, event: true });
      }
    }
  });

  it('reports statistics that match the runs', async () => {
    for (const t of tasks) {
      const mine = runs.filter((r) => r.taskId === t.id);
      const f = figuresOf(mine);
      const stats = await http<{ runsByStatus: Record<string, number>; oneShotSuccess: { oneShot: number }; failedRunsByErrorClass: Record<string, number> }>('GET', `${SERVICE_URLS.taskManager}/api/tasks/${t.id}/stats`);
      const byStatus: Record<string, number> = {};
      for (const r of mine) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      expect(Object.fromEntries(Object.entries(stats.runsByStatus).filter(([, n]) => n > 0))).toEqual(byStatus);
      expect(stats.oneShotSuccess.oneShot).toBe(f.one_shot);
      expect(stats.failedRunsByErrorClass).toEqual(f.failures_by_class);
    }
    const all = figuresOf(runs);
    const totals = fleet.expected.totals;
    expect({ succeeded: all.succeeded, not_applicable: all.not_applicable, one_shot: all.one_shot, failed: all.failed }).toEqual({
      succeeded: totals['succeeded'],
      not_applicable: totals['not_applicable'],
      one_shot: totals['one_shot'],
      failed: (totals['failed'] ?? 0) + (totals['skipped'] ?? 0),
    });
  });
});

