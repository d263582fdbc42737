/**
 * `npm run bench:campaign` (BENCH_N, default 100): the rpc-client 2.0 campaign over a generated fleet of
 * N applications (the twelve named ones plus seeded, mostly clean ones) with real git and real builds,
 * on the running stack (`npm run stack:up -- --services`). Final JSON line:
 * `{"bench":"campaign","n","wall_s","work_s","ideal_ratio","overhead_ms_per_step",…}` where
 *   wall_s    first task start → every run finished and every resource released,
 *   work_s    Σ over pipeline steps of the time the serving service reports it worked (StepResult usage.durationMs;
 *             dispatched → finished when a service reports none),
 *   ideal_ratio = wall_s / (work_s / 2)   (2 cores: 1.0 would be perfect packing),
 *   overhead_ms_per_step  mean over pipeline steps of service_wait (dispatched → finished − durationMs: Kafka,
 *             pickup, waiting for a test-environment slot) plus dispatch_gap (previous stage's result → this
 *             step's dispatch: task-manager and Kafka), both also printed.
 * work_s is elapsed time under contention (4 test environments share 2 cores), so ideal_ratio below 1 is
 * possible; build_test_cpu_s (CPU of builds and tests, from test-env-service) is printed too, and as_expected:
 * the runs that ended as the fleet's expected.json says (each other one is named on stderr).
 * Uses `.local/bench-fleet` with its npm registry on 4881; it repoints the catalog's application names at it.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateFleet } from '../fleet/generate';
import { startFleetRegistry } from '../fleet/npm-registry';
import { SERVICE_URLS, campaignTasks, createAndStart, deviationOf, figuresOf, http, measureLeaks, readFleet, waitForRuns, type RunView } from './campaign';
import { ProgressView } from './progress';

const ROOT = resolve(__dirname, '../..');
const PIPELINE = new Set(['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect']);

interface StepRow {
  readonly stage: string;
  readonly dispatchedAt: string | null;
  readonly finishedAt: string | null;
  readonly usage: { durationMs?: number | null; cpuMillis?: number | null } | null;
}

function stepFigures(runs: readonly RunView[]): { workMs: number; steps: number; pickupMs: number; gapMs: number; cpuMs: number } {
  let workMs = 0;
  let pickupMs = 0;
  let gapMs = 0;
  let cpuMs = 0;
  let steps = 0;
  for (const r of runs) {
    const rows = (r.steps as unknown as StepRow[]).filter((s) => PIPELINE.has(s.stage) && s.dispatchedAt && s.finishedAt);
    let previousEnd: number | null = null;
    for (const s of rows) {
      const start = Date.parse(s.dispatchedAt!);
      const end = Date.parse(s.finishedAt!);
      const worked = s.usage?.durationMs ?? end - start;
      workMs += worked;
      cpuMs += s.usage?.cpuMillis ?? 0;
      pickupMs += Math.max(0, end - start - worked);
      gapMs += previousEnd === null ? 0 : Math.max(0, start - previousEnd);
      previousEnd = end;
      steps++;
    }
  }
  return { workMs, steps, pickupMs, gapMs, cpuMs };
}

async function main(): Promise<void> {
  const n = Number(process.env['BENCH_N'] ?? 100);
  if (!Number.isInteger(n) || n < 12) throw new Error('BENCH_N must be an integer of 12 or more (the twelve named applications are always part of the fleet)');
  const out = join(ROOT, '.local', 'bench-fleet');
  const registryPort = Number(process.env['BENCH_REGISTRY_PORT'] ?? 4881);
  rmSync(join(out, '.fleet-stamp.json'), { force: true });
  const generated = generateFleet({ out, count: n, seed: 'shipshape', registryPort });
  process.stderr.write(`bench: fleet of ${generated.applications.length} in ${generated.ms} ms\n`);
  const fleet = readFleet(out);
  const registry = await startFleetRegistry(join(out, 'npm'), registryPort);
  try {
    if (process.env['BENCH_SKIP_STACK'] !== '1') {
      const up = spawnSync('npm', ['run', 'stack:up', '--', '--services'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      if (up.status !== 0) throw new Error('npm run stack:up -- --services failed');
    }
    await http('POST', `${SERVICE_URLS.taskManager}/api/applications/import`, fleet.catalogYaml, 'text/yaml');
    const started = Date.now();
    const tasks = [];
    for (const spec of campaignTasks(fleet)) tasks.push(await createAndStart(SERVICE_URLS, spec));
    const view = new ProgressView(process.stderr);
    const runs = await waitForRuns(SERVICE_URLS, tasks.map((t) => t.id), (r) => view.update(r), Number(process.env['BENCH_TIMEOUT_MS'] ?? n * 120_000), 3000);
    const wallMs = Date.now() - started;
    view.done(runs);
    const { workMs, steps, pickupMs, gapMs, cpuMs } = stepFigures(runs);
    const f = figuresOf(runs);
    const leaks = await measureLeaks(SERVICE_URLS, out, runs);
    const deviations = runs.map((r) => deviationOf(r, fleet.expected.applications[r.application])).filter((d) => d !== null);
    for (const d of deviations) process.stderr.write(`not as expected: ${d}\n`);
    const wall_s = Math.round(wallMs / 100) / 10;
    const work_s = Math.round(workMs / 100) / 10;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'campaign',
        n: runs.length,
        wall_s,
        work_s,
        ideal_ratio: Math.round((wall_s / (work_s / 2)) * 100) / 100,
        overhead_ms_per_step: steps === 0 ? null : Math.round((pickupMs + gapMs) / steps),
        steps,
        service_wait_ms_per_step: steps === 0 ? null : Math.round(pickupMs / steps),
        dispatch_gap_ms_per_step: steps === 0 ? null : Math.round(gapMs / steps),
        build_test_cpu_s: Math.round(cpuMs / 100) / 10,
        succeeded: f.succeeded,
        failed: f.failed,
        not_applicable: f.not_applicable,
        one_shot_success_rate: f.one_shot_success_rate,
        failures_by_class: f.failures_by_class,
        leaked_resources: leaks.total,
        as_expected: runs.length - deviations.length,
      })}\n`,
    );
  } finally {
    await registry.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:campaign failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
