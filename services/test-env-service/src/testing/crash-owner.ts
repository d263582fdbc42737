/**
 * Child process for the reaper test: deploys one environment as its own owner, prints `READY <id> <pgid>`
 * and then waits to be killed (SIGKILL, so nothing of it cleans up).
 * Usage: tsx crash-owner.ts <database url> <root> <repository path>
 */
import { DataSource } from 'typeorm';
import { EnvironmentManager } from '../environments/environment.manager';
import { EnvironmentStore } from '../environments/environment.store';
import { LocalDriver } from '../environments/local.driver';
import { currentOwner } from '../environments/process-group';
import { TEST_PHASE_TIMEOUTS } from './test-timeouts';
import { sampleSpec } from './sample-apps';

async function main(): Promise<void> {
  const [url, root, repo] = process.argv.slice(2) as [string, string, string];
  const db = new DataSource({ type: 'postgres', url });
  await db.initialize();
  const store = new EnvironmentStore(db);
  const driver = new LocalDriver({ mavenArgs: '-o', timeoutsMs: TEST_PHASE_TIMEOUTS, tailBytes: 2000, registry: store });
  const manager = new EnvironmentManager(store, driver, { root, maxConcurrent: 10, ttlSeconds: 3600, owner: currentOwner() });
  const result = await manager.deploy('crash-step', 'crash-run', sampleSpec(repo, 'npm'));
  if (result.outcome !== 'ready') throw new Error(`deploy failed: ${JSON.stringify(result.failure)}`);
  process.stdout.write(`READY ${result.env.id} ${result.env.processGroups.join(',')}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
