/**
 * Child process for the crash tests: deploys one environment as its own owner and waits to be killed
 * (SIGKILL, so nothing of it cleans up). Mode `ready`: prints `READY <id> <pgids>` once deployed;
 * mode `building`: the build is `sleep 5 && npm install`, prints `BUILDING <id> <pgids>` while it runs.
 * Usage: node --import tsx crash-owner.ts <database url> <root> <repository path> <mode> <step id>
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { EnvironmentManager } from '../environments/environment.manager';
import { EnvironmentStore } from '../environments/environment.store';
import { LocalDriver } from '../environments/local.driver';
import { currentOwner } from '../environments/process-group';
import { TEST_PHASE_TIMEOUTS } from './test-timeouts';
import { sampleSpec } from './sample-apps';

async function main(): Promise<void> {
  const [url, root, repo, mode, stepId] = process.argv.slice(2) as [string, string, string, 'ready' | 'building', string];
  const db = new DataSource({ type: 'postgres', url });
  await db.initialize();
  const store = new EnvironmentStore(db);
  const driver = new LocalDriver({ mavenArgs: '-o', timeoutsMs: TEST_PHASE_TIMEOUTS, tailBytes: 2000, registry: store });
  const manager = new EnvironmentManager(store, driver, { root, maxConcurrent: 10, ttlSeconds: 3600, owner: currentOwner() });
  if (mode === 'building') {
    const spec = sampleSpec(repo, 'npm', { commands: { build: 'sleep 5 && npm install --no-audit --no-fund', test: null, start: null } });
    void manager.deploy(stepId, 'crash-run', spec);
    for (;;) {
      const [row] = (await db.query(`SELECT id, log_dir, process_groups FROM environments WHERE step_id = $1`, [stepId])) as { id: string; log_dir: string; process_groups: number[] }[];
      // The clone registers (and removes) its own group first; the build log exists only once the build starts.
      if (row && row.process_groups.length > 0 && existsSync(join(row.log_dir, 'build.log'))) {
        process.stdout.write(`BUILDING ${row.id} ${row.process_groups.join(',')}\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    setInterval(() => undefined, 60_000);
    return;
  }
  const result = await manager.deploy(stepId, 'crash-run', sampleSpec(repo, 'npm'));
  if (result.outcome !== 'ready') throw new Error(`deploy failed: ${JSON.stringify(result)}`);
  process.stdout.write(`READY ${result.env.id} ${result.env.processGroups.join(',')}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
