/**
 * The sample fleet from outside: generated into a temp dir, its repositories cloned with git, one Maven
 * and one npm application built, tested and run for real (rpc-client 1.4.0 resolved from the fleet's
 * file-system Maven repository and from its npm registry), the catalog checked against task-manager's
 * import schema, and a second generation with the same options reusing the first.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from '@shipshape/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readAgentJar } from '../../services/detection-service/src/runtime/artifact-reader';
import { readEndpoint } from '../../services/detection-service/src/runtime/endpoint-reader';
import { applicationSchema } from '../../services/task-manager/src/catalog/application.schema';
import { appCommits, type AppPlan } from './apps';
import { ensureSharedComponents } from './components';
import { generateFleet, type FleetResult } from './generate';
import { startFleetRegistry, type FleetRegistry } from './npm-registry';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function filesOf(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === '.git') return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesOf(path) : [path];
  });
}

describe('sample fleet', () => {
  const root = mkdtempSync(join(tmpdir(), 'shipshape-fleet-'));
  const out = join(root, 'fleet');
  const work = join(root, 'work');
  const processes: ChildProcess[] = [];
  let fleet: FleetResult;
  let registry: FleetRegistry;

  beforeAll(async () => {
    fleet = generateFleet({ out, count: 12, seed: 'spec', registryPort: await freePort() });
    registry = await startFleetRegistry(join(out, 'npm'), Number(new URL(fleet.registryUrl).port));
  });

  afterAll(async () => {
    // Each run command is its own process group (sh and the java/node it starts): kill the group.
    for (const p of processes) if (p.pid !== undefined && p.exitCode === null) process.kill(-p.pid, 'SIGKILL');
    await registry?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const clone = async (name: string): Promise<string> => {
    const dir = join(work, name);
    await run('git', ['clone', '--quiet', join(out, 'repos', `${name}.git`), dir]);
    return dir;
  };

  /** Starts the application's run command on a free port and returns its base URL once /health answers. */
  const start = async (dir: string, command: string): Promise<string> => {
    const port = await freePort();
    const child = spawn('/bin/sh', ['-c', command], { cwd: dir, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore', detached: true });
    processes.push(child);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.ok === true || null, { timeoutMs: 20_000 });
    return base;
  };

  it('generates twelve applications across four teams, Maven and npm, each a bare repository whose main clones', async () => {
    const catalog = (parse(readFileSync(fleet.catalogFile, 'utf8')) as { applications: Array<{ name: string; team: string; buildTool: string; repositoryUrl: string }> }).applications;
    expect(catalog).toHaveLength(12);
    expect(new Set(catalog.map((a) => a.team))).toEqual(new Set(['payments', 'catalog', 'accounts', 'growth']));
    expect(new Set(catalog.map((a) => a.buildTool))).toEqual(new Set(['maven', 'npm']));
    for (const app of catalog) {
      const dir = await clone(app.name);
      const { stdout: branch } = await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: dir });
      expect(branch.trim()).toBe('main');
      const { stdout: log } = await run('git', ['log', '--format=%an|%ad', '--date=iso-strict'], { cwd: dir });
      const commits = log.trim().split('\n');
      expect(commits.length).toBeGreaterThanOrEqual(2);
      for (const c of commits) expect(c).toMatch(/^Shipshape Fleet\|2024-/);
      expect(app.repositoryUrl).toBe(`file://${join(out, 'repos', `${app.name}.git`)}`);
    }
  });

  it('writes a catalog that task-manager import schema accepts', () => {
    const catalog = (parse(readFileSync(fleet.catalogFile, 'utf8')) as { applications: unknown[] }).applications;
    for (const entry of catalog) {
      const parsed = applicationSchema.safeParse(entry);
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it('names every intended outcome of the 1.x → 2.0 campaign in expected.json', () => {
    const expected = JSON.parse(readFileSync(fleet.expectedFile, 'utf8')) as { applications: Record<string, Record<string, unknown>>; totals: Record<string, number> };
    expect(Object.keys(expected.applications)).toHaveLength(12);
    expect(expected.applications['payments-ledger']).toMatchObject({ outcome: 'failed', errorClass: 'COMPILE_ERROR' });
    expect(expected.applications['payments-gateway']).toMatchObject({ outcome: 'failed', errorClass: 'ENV_CONFIG' });
    expect(expected.applications['catalog-search']).toMatchObject({ outcome: 'skipped', skipReason: 'version-range' });
    expect(expected.applications['accounts-profile']).toMatchObject({ outcome: 'succeeded', oneShot: false, retriedClass: 'TEST_FLAKY' });
    expect(expected.applications['growth-newsletter']).toMatchObject({ outcome: 'not_applicable' });
    expect(expected.applications['accounts-auth']).toMatchObject({ outcome: 'succeeded', javaagent: { name: 'shipshape-agent', version: '1.2.0' } });
    expect(expected.totals).toEqual({ succeeded: 8, failed: 2, skipped: 1, not_applicable: 1, one_shot: 7 });
  });

  it('builds, tests and runs a Maven application on rpc-client 1.4.0 from the file-system repository', async () => {
    const dir = join(work, 'catalog-pricing');
    await run('/bin/sh', ['-c', 'mvn -B -q -DskipTests package'], { cwd: dir });
    await run('/bin/sh', ['-c', 'mvn -B -q -o test'], { cwd: dir });
    const base = await start(dir, 'java -jar target/app.jar');
    const components = (await (await fetch(`${base}/components`)).json()) as { components: Array<{ name: string; version: string }>; artifact: string; agents: string[] };
    expect(components.components).toContainEqual({ ecosystem: 'maven', name: 'com.shipshape.sample:rpc-client', version: '1.4.0' });
    expect(components).toMatchObject({ artifact: join(dir, 'target', 'app.jar'), agents: [] }); // started without a JavaAgent
    expect(await (await fetch(base)).json()).toEqual({ service: 'catalog-pricing', answer: 'price-book.lookup(ping)' });
  }, 120_000);

  it('builds, tests and runs an npm application on rpc-client 1.4.0 from the fleet registry', async () => {
    const dir = join(work, 'catalog-inventory');
    await run('/bin/sh', ['-c', 'npm ci --no-audit --no-fund && npm test'], { cwd: dir });
    const base = await start(dir, 'node server.js');
    const components = (await (await fetch(`${base}/shipshape/components`)).json()) as { components: unknown[]; appDir: string };
    expect(components.components).toEqual([{ ecosystem: 'npm', name: '@shipshape-sample/rpc-client', version: '1.4.0' }]);
    expect(components.appDir).toBe(dir);
  }, 60_000);

  it('makes a Maven application of the missing-variable kind refuse to start without PAYMENTS_API_KEY, as the npm one does', async () => {
    // Larger fleets draw this variant for Maven apps too; expected.json says ENV_CONFIG for them.
    const app: AppPlan = { name: 'payments-svc-900', team: 'payments', buildTool: 'maven', variant: 'missing-variable', downstream: 'ledger-core' };
    const shared = ensureSharedComponents(out);
    const ctx = { mavenRepoUrl: pathToFileURL(shared.mavenRepo).href, agentDir: shared.agentDir, registryUrl: fleet.registryUrl, tarballIntegrity: shared.tarballs[0]!.integrity };
    const dir = join(work, app.name);
    for (const commit of appCommits(app, ctx)) {
      for (const [path, content] of Object.entries(commit.files)) {
        if (content === null) rmSync(join(dir, path), { force: true });
        else {
          mkdirSync(dirname(join(dir, path)), { recursive: true });
          writeFileSync(join(dir, path), content);
        }
      }
    }
    await run('/bin/sh', ['-c', 'mvn -B -q -o -DskipTests package'], { cwd: dir });
    const refused = await run('java', ['-jar', 'target/app.jar'], { cwd: dir, env: { ...process.env, PAYMENTS_API_KEY: '', PORT: '0' }, timeout: 20_000 }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('missing required environment variable PAYMENTS_API_KEY');
    const base = await start(dir, 'PAYMENTS_API_KEY=sample-key java -jar target/app.jar');
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'UP' });
  }, 120_000);

  it('starts the agent application with exactly one JavaAgent: the declared one, or SHIPSHAPE_AGENT_VERSION when the runtime sets it', async () => {
    const dir = join(work, 'accounts-auth');
    await run('/bin/sh', ['-c', 'mvn -B -q -o -DskipTests package'], { cwd: dir });
    const agentOf = async (base: string) =>
      ((await (await fetch(`${base}/components`)).json()) as { components: Array<{ name: string; version: string }> }).components.find((c) => c.name.endsWith('shipshape-agent'))?.version;
    /** The java process of the last started command (its process group) and the agents on its command line. */
    const java = () => {
      const group = processes.at(-1)!.pid;
      const pid = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .find((name) => {
          try {
            const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === group && readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')[0]!.endsWith('java');
          } catch {
            return false;
          }
        });
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return { agents: cmdline.filter((arg) => arg.startsWith('-javaagent:')).map((arg) => basename(arg)), environ: readFileSync(`/proc/${pid}/environ`, 'utf8') };
    };

    /** The agent jars the instance reports (`agents`), as detection-service reads them, and the version each jar's manifest holds. */
    const reportedAgents = async (base: string) => {
      const report = await readEndpoint(base, '/components', 5_000);
      return report.agents.map((path) => {
        const { version, kind } = readAgentJar(readFileSync(path), path);
        return { path, version, kind };
      });
    };
    const { agentDir } = ensureSharedComponents(out);

    const declared = await start(dir, 'sh run.sh');
    expect(await agentOf(declared)).toBe('1.2.0');
    expect(java().agents).toEqual(['shipshape-agent-1.2.0.jar']);
    expect(await reportedAgents(declared)).toEqual([{ path: join(agentDir, 'shipshape-agent-1.2.0.jar'), version: '1.2.0', kind: 'jar-manifest' }]);

    const released = await start(dir, 'SHIPSHAPE_AGENT_VERSION=1.3.0 sh run.sh');
    expect(await agentOf(released)).toBe('1.3.0');
    expect(java()).toMatchObject({ agents: ['shipshape-agent-1.3.0.jar'] });
    expect(java().environ).not.toContain('JAVA_TOOL_OPTIONS=');
    expect(await reportedAgents(released)).toEqual([{ path: join(agentDir, 'shipshape-agent-1.3.0.jar'), version: '1.3.0', kind: 'jar-manifest' }]);
  }, 120_000);

  it('keeps the not-applicable application free of any rpc-client reference', () => {
    const files = filesOf(join(work, 'growth-newsletter'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) expect(readFileSync(file, 'utf8')).not.toMatch(/rpc-client|shipshape-sample/);
  });

  it('reuses the fleet when generated again with the same options', async () => {
    const head = async () => (await run('git', ['--git-dir', join(out, 'repos', 'catalog-pricing.git'), 'rev-parse', 'main'])).stdout.trim();
    const before = await head();
    const again = generateFleet({ out, count: 12, seed: 'spec', registryPort: Number(new URL(fleet.registryUrl).port) });
    expect(again.reused).toBe(true);
    expect(await head()).toBe(before);
  });
});
