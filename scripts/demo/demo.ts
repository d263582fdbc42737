/**
 * `npm run demo` — the main job end to end on the real stack:
 *   1. the sample fleet (generated if absent; regenerated when an earlier demo already upgraded it),
 *   2. the stack with the five services (`npm run stack:up -- --services`), the fleet's npm registry,
 *   3. the catalog imported into task-manager, a dry run on a sample,
 *   4. the rpc-client 1.x → 2.0.0 campaign (Maven: rules maven + java; npm: rule npm) with automatic approval,
 *   5. the JavaAgent sidecar upgrade,
 * with live progress, a summary and a final JSON line (`{"demo":"done",…}`) whose leaked_resources is measured.
 *
 * Options: --fleet <dir> (default .local/fleet), --count <n> (12), --skip-stack (services already up),
 * --reuse-fleet (do not regenerate an upgraded fleet), --no-sidecar. DEMO_TIMEOUT_MS (default 25 min per phase).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExpectedApplication } from '../fleet/generate';
import { startFleetRegistry, type FleetRegistry } from '../fleet/npm-registry';
import {
  SERVICE_URLS,
  campaignTasks,
  createAndStart,
  deviationOf,
  failureOf,
  figuresOf,
  http,
  isOneShot,
  measureLeaks,
  readFleet,
  sidecarTask,
  waitForRuns,
  type Fleet,
  type RunView,
  type TaskSpecBody,
  type TaskView,
} from './campaign';
import { ProgressView } from './progress';

const ROOT = resolve(__dirname, '../..');
const REGISTRY_PORT = 4879;

interface DemoOptions {
  readonly fleetDir: string;
  readonly count: number;
  readonly skipStack: boolean;
  readonly reuseFleet: boolean;
  readonly sidecar: boolean;
  readonly timeoutMs: number;
}

function parseOptions(argv: readonly string[]): DemoOptions {
  const get = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const count = Number(get('--count') ?? '12');
  if (!Number.isInteger(count) || count < 12) throw new Error('--count must be an integer of 12 or more');
  return {
    fleetDir: resolve(ROOT, get('--fleet') ?? '.local/fleet'),
    count,
    skipStack: argv.includes('--skip-stack'),
    reuseFleet: argv.includes('--reuse-fleet'),
    sidecar: !argv.includes('--no-sidecar'),
    timeoutMs: Number(process.env['DEMO_TIMEOUT_MS'] ?? 25 * 60_000),
  };
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const heading = (line: string) => say(`\n== ${line}`);

function npm(args: readonly string[], env: Record<string, string> = {}): void {
  const r = spawnSync('npm', args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/** A repository of the fleet whose default branch has commits not made by the generator (an earlier campaign merged). */
function upgradedRepos(fleet: Fleet): string[] {
  return fleet.catalog
    .filter((a) => {
      const gitDir = a.repositoryUrl.replace(/^file:\/\//, '');
      const authors = execFileSync('git', ['--git-dir', gitDir, 'log', '--format=%an', a.defaultBranch], { encoding: 'utf8' });
      return authors.split('\n').some((n) => n.trim() !== '' && n.trim() !== 'Shipshape Fleet');
    })
    .map((a) => a.name);
}

function ensureFleet(o: DemoOptions): Fleet {
  const args = ['run', '--silent', 'fleet', '--', '--out', o.fleetDir, '--count', String(o.count), '--registry-port', String(REGISTRY_PORT)];
  npm(args);
  let fleet = readFleet(o.fleetDir);
  const upgraded = upgradedRepos(fleet);
  if (upgraded.length > 0 && !o.reuseFleet) {
    say(`fleet: ${upgraded.length} application(s) already upgraded by an earlier run (${upgraded.slice(0, 4).join(', ')}…); regenerating the applications`);
    rmSync(resolve(o.fleetDir, '.fleet-stamp.json'), { force: true });
    npm(args);
    fleet = readFleet(o.fleetDir);
  }
  return fleet;
}

async function ensureRegistry(fleetDir: string): Promise<FleetRegistry | null> {
  const url = `http://127.0.0.1:${REGISTRY_PORT}/`;
  const answers = await fetch(`${url}@shipshape-sample%2frpc-client`).then((r) => r.ok, () => false);
  if (answers) {
    say(`npm registry: already serving ${url}`);
    return null;
  }
  const registry = await startFleetRegistry(resolve(fleetDir, 'npm'), REGISTRY_PORT);
  say(`npm registry: started ${registry.url} (for as long as the demo runs)`);
  return registry;
}

async function runPhase(title: string, specs: readonly TaskSpecBody[], o: DemoOptions): Promise<{ tasks: TaskView[]; runs: RunView[]; ms: number }> {
  heading(title);
  const started = Date.now();
  const tasks: TaskView[] = [];
  for (const spec of specs) {
    const task = await createAndStart(SERVICE_URLS, spec);
    tasks.push(task);
    say(`task ${task.id} "${spec.name}": ${spec.selection.applications.length} application(s), rules ${spec.rules.map((r) => r.recipe).join(' + ')}`);
  }
  const view = new ProgressView(process.stdout);
  const runs = await waitForRuns(SERVICE_URLS, tasks.map((t) => t.id), (r) => view.update(r), o.timeoutMs);
  view.done(runs);
  return { tasks, runs, ms: Date.now() - started };
}

function expectedText(e: ExpectedApplication): string {
  switch (e.outcome) {
    case 'succeeded':
      return e.oneShot ? 'succeeded (one shot)' : 'succeeded after a retry';
    case 'failed':
      return `failed ${e.errorClass}`;
    case 'skipped':
      return `skipped (${e.skipReason})`;
    case 'not_applicable':
      return 'not applicable';
    default:
      return JSON.stringify(e);
  }
}

function fmtMs(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
}

interface Stats {
  readonly stageDurationsMs: Record<string, { p50: number; p95: number; count: number }>;
  readonly failedRunsByRootCause: Record<string, number>;
  readonly resourcesUsed: { testEnvironmentMinutes: number; buildMinutes: number; stepCpuMinutes: number };
  readonly estimatedPersonDaysSaved: number;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const t0 = Date.now();
  heading('sample fleet');
  const fleet = ensureFleet(o);
  say(`fleet: ${fleet.catalog.length} applications in ${o.fleetDir} (expected: ${JSON.stringify(fleet.expected.totals)})`);

  if (!o.skipStack) {
    heading('stack: Kafka, Postgres and the five services');
    // The sidecar upgrade needs no agent setting here: the fleet's run.sh loads $SHIPSHAPE_AGENT_VERSION, which release-service sets.
    npm(['run', 'stack:up', '--', '--services']);
  }
  const registry = await ensureRegistry(o.fleetDir);
  try {
    heading('catalog');
    const imported = await http<unknown>('POST', `${SERVICE_URLS.taskManager}/api/applications/import`, fleet.catalogYaml, 'text/yaml');
    say(`imported ${fleet.catalog.length} applications into task-manager: ${JSON.stringify(imported).slice(0, 200)}`);

    const [mavenCampaign] = campaignTasks(fleet);
    if (!mavenCampaign) throw new Error('the fleet has no Maven application');
    const dry = await runPhase('dry run on a sample (stops after test-verify)', [{ ...mavenCampaign, name: `${mavenCampaign.name} dry run`, dryRun: { count: 2 } }], o);

    const campaign = await runPhase('campaign: rpc-client 1.x → 2.0.0, automatic approval', campaignTasks(fleet), o);
    const sidecarSpec = o.sidecar ? sidecarTask(fleet) : null;
    const sidecar = sidecarSpec ? await runPhase('sidecar upgrade: shipshape-agent', [sidecarSpec], o) : null;

    heading('summary');
    const phases = [
      ['dry run', dry],
      ['campaign', campaign],
      ...(sidecar ? [['sidecar', sidecar] as const] : []),
    ] as const;
    for (const [name, p] of phases) {
      const f = figuresOf(p.runs);
      say(`${name.padEnd(9)} ${fmtMs(p.ms).padStart(7)}  runs ${f.runs}: succeeded ${f.succeeded}, failed ${f.failed}, not applicable ${f.not_applicable}, aborted ${f.aborted}; one-shot ${f.one_shot} (rate ${f.one_shot_success_rate ?? '-'})`);
    }
    const f = figuresOf(campaign.runs);
    say('\ncampaign runs:');
    for (const r of [...campaign.runs].sort((a, b) => a.application.localeCompare(b.application))) {
      const fail = failureOf(r);
      const exp = fleet.expected.applications[r.application];
      const expText = exp ? `expected ${expectedText(exp)}` : '';
      say(`  ${r.application.padEnd(20)} ${r.status.padEnd(15)} ${fail ? `${fail.errorClass} at ${fail.stage}` : isOneShot(r) ? 'one shot' : r.status === 'succeeded' ? `after ${r.state.retries} retry(ies)` : ''}`.padEnd(78) + expText);
    }
    const deviations = campaign.runs.map((r) => deviationOf(r, fleet.expected.applications[r.application])).filter((d) => d !== null);
    say(deviations.length === 0 ? `every run ended as expected.json says (${campaign.runs.length})` : `${deviations.length} run(s) not as expected.json says:`);
    for (const d of deviations) say(`  ${d}`);
    const taskStats = await Promise.all(campaign.tasks.map((t) => http<Stats>('GET', `${SERVICE_URLS.taskManager}/api/tasks/${t.id}/stats`)));
    const byRootCause: Record<string, number> = {};
    for (const s of taskStats) for (const [cause, n] of Object.entries(s.failedRunsByRootCause)) byRootCause[cause] = (byRootCause[cause] ?? 0) + n;
    say(`\nfailures by root cause: ${JSON.stringify(byRootCause)}`);
    for (const r of campaign.runs) {
      const fail = failureOf(r);
      if (fail) say(`  ${r.application}: ${fail.errorClass} at ${fail.stage}: ${fail.message.replace(/\s+/g, ' ').slice(0, 220)}`);
    }
    campaign.tasks.forEach((t, i) => {
      const s = taskStats[i]!;
      say(`\nstage durations p50/p95, task "${t.name}":`);
      for (const [stage, d] of Object.entries(s.stageDurationsMs)) say(`  ${stage.padEnd(15)} ${fmtMs(d.p50).padStart(7)} / ${fmtMs(d.p95).padStart(7)}  (${d.count} steps)`);
      say(`  resources: ${JSON.stringify(s.resourcesUsed)}; estimated person-days saved: ${s.estimatedPersonDaysSaved}`);
    });

    const allRuns = [...dry.runs, ...campaign.runs, ...(sidecar?.runs ?? [])];
    const leaks = await measureLeaks(SERVICE_URLS, o.fleetDir, allRuns);
    say(`leaked resources: ${leaks.total} (branches ${leaks.branches.length}, open merge requests ${leaks.openMergeRequests.length}, live test environments ${leaks.liveEnvironments.length})`);
    for (const l of [...leaks.branches, ...leaks.openMergeRequests, ...leaks.liveEnvironments]) say(`  leaked: ${l}`);

    say('\nwhere to look:');
    for (const t of campaign.tasks) {
      say(`  ${SERVICE_URLS.taskManager}/api/tasks/${t.id}/runs   ${SERVICE_URLS.taskManager}/api/tasks/${t.id}/stats`);
    }
    say(`  ${SERVICE_URLS.taskManager}/api/stats   ${SERVICE_URLS.taskManager}/api/docs`);
    say(`  ${SERVICE_URLS.change}/merge-requests   ${SERVICE_URLS.release}/api/runtime/applications/<app>/instances   ${SERVICE_URLS.detection}/api/inventory/applications`);
    const sample = campaign.runs[0];
    if (sample) say(`  ${SERVICE_URLS.taskManager}/api/runs/${sample.id}   (one run: steps and resource ledger)`);

    const figures = {
      demo: 'done',
      runs: f.runs,
      succeeded: f.succeeded,
      failed: f.failed,
      not_applicable: f.not_applicable,
      aborted: f.aborted,
      one_shot_success_rate: f.one_shot_success_rate,
      as_expected: campaign.runs.length - deviations.length,
      failures_by_class: f.failures_by_class,
      dry_run: { runs: dry.runs.length, succeeded: figuresOf(dry.runs).succeeded },
      sidecar: sidecar ? { runs: sidecar.runs.length, succeeded: figuresOf(sidecar.runs).succeeded, failures_by_class: figuresOf(sidecar.runs).failures_by_class } : null,
      leaked_resources: leaks.total,
      campaign_s: Math.round(campaign.ms / 100) / 10,
      total_s: Math.round((Date.now() - t0) / 100) / 10,
    };
    say(JSON.stringify(figures));
  } finally {
    await registry?.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
