/**
 * Sample fleet generator: `npm run fleet -- [--out .local/fleet] [--count 12] [--seed shipshape]
 * [--registry-port 4879]`, and `npm run fleet -- serve [--out …] [--registry-port …]` to serve the
 * fleet's npm packages (the npm applications resolve `@shipshape-sample/*` from it).
 *
 * Writes under `<out>`: `maven-repo/` (file-system Maven repository with rpc-client 1.4.0 and 2.0.0),
 * `npm/` (tarballs + index.json), `agents/` (shipshape-agent 1.2.0 and 1.3.0), `repos/<name>.git`
 * (bare repositories, branch main), `catalog.yaml` (task-manager's POST /api/applications/import) and
 * `expected.json` (the intended outcome of the 1.x → 2.0 campaign per application).
 * Idempotent: the same arguments reuse what exists; other arguments rebuild the applications cleanly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { appCommits, expectedOutcome, NOTES, planFleet, runCommand, usesComponent, type AppPlan, type Expected, type FleetContext } from './apps';
import { AGENT, COMPONENT, ensureSharedComponents } from './components';
import { startFleetRegistry } from './npm-registry';

export const DEFAULT_OUT = '.local/fleet';
export const DEFAULT_REGISTRY_PORT = 4879;
/** Bump when the applications' templates change, so existing fleets are rebuilt. */
const GENERATOR_VERSION = 3; // 2: run.sh prefers SHIPSHAPE_AGENT_VERSION (a fleet generated before is rebuilt); 3: Java apps report their -javaagent jars (`agents`)

export interface FleetOptions {
  readonly out: string;
  readonly count: number;
  readonly seed: string;
  readonly registryPort: number;
}

export interface CatalogEntry {
  name: string;
  team: string;
  service: string;
  repositoryUrl: string;
  defaultBranch: string;
  buildTool: 'maven' | 'npm';
  commands: { build: string; test: string; run: string };
  healthPath: string;
  productionInstances: number;
  labels: Record<string, string>;
}

export type ExpectedApplication = Expected & {
  readonly buildTool: 'maven' | 'npm';
  readonly team: string;
  readonly variant: string;
  readonly usesComponent: boolean;
  readonly note: string;
  /** Variables production must give the application (the test environment lacks them on purpose). */
  readonly productionEnv?: Record<string, string>;
  readonly javaagent?: { readonly name: string; readonly version: string; readonly to: string };
};

export interface FleetResult {
  readonly out: string;
  readonly reused: boolean;
  readonly catalogFile: string;
  readonly expectedFile: string;
  readonly registryUrl: string;
  readonly applications: readonly AppPlan[];
  readonly ms: number;
}

const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Shipshape Fleet',
  GIT_AUTHOR_EMAIL: 'fleet@shipshape.invalid',
  GIT_COMMITTER_NAME: 'Shipshape Fleet',
  GIT_COMMITTER_EMAIL: 'fleet@shipshape.invalid',
};

/** First commit of the first application; later commits follow at fixed steps (deterministic hashes). */
const EPOCH = Date.parse('2024-01-15T09:00:00Z');

function createBareRepo(repo: string, app: AppPlan, index: number, ctx: FleetContext, scratch: string): void {
  rmSync(repo, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', repo], { env: { ...process.env, ...GIT_ENV } });
  const git = (args: string[], date?: string): void => {
    execFileSync('git', [`--git-dir=${repo}`, `--work-tree=${scratch}`, ...args], {
      env: { ...process.env, ...GIT_ENV, ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}) },
      stdio: 'pipe',
    });
  };
  appCommits(app, ctx).forEach((commit, i) => {
    for (const [path, text] of Object.entries(commit.files)) {
      const file = join(scratch, path);
      if (text === null) rmSync(file, { force: true });
      else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
    }
    git(['add', '--all', '.']);
    const date = new Date(EPOCH + index * 86_400_000 + i * 3_600_000).toISOString();
    git(['commit', '--quiet', '--no-verify', '-m', commit.message], date);
  });
  rmSync(scratch, { recursive: true, force: true });
}

function catalogEntry(app: AppPlan, repoUrl: string): CatalogEntry {
  const maven = app.buildTool === 'maven';
  return {
    name: app.name,
    team: app.team,
    service: app.name,
    repositoryUrl: repoUrl,
    defaultBranch: 'main',
    buildTool: app.buildTool,
    commands: maven
      ? { build: 'mvn -B -q -DskipTests package', test: 'mvn -B -q test', run: runCommand(app) }
      : { build: 'npm ci --no-audit --no-fund', test: 'npm test', run: runCommand(app) },
    healthPath: '/health',
    productionInstances: 2,
    labels: {
      fleet: 'shipshape-sample',
      language: maven ? 'java' : 'node',
      componentsPath: '/components',
      ...(app.variant === 'agent' ? { javaagent: AGENT.name } : {}),
    },
  };
}

function expectedEntry(app: AppPlan): ExpectedApplication {
  return {
    ...expectedOutcome(app.variant),
    buildTool: app.buildTool,
    team: app.team,
    variant: app.variant,
    usesComponent: usesComponent(app),
    note: NOTES[app.variant],
    ...(app.variant === 'missing-variable' ? { productionEnv: { PAYMENTS_API_KEY: 'sample-production-key' } } : {}),
    ...(app.variant === 'agent' ? { javaagent: { name: AGENT.name, version: AGENT.from, to: AGENT.to } } : {}),
  };
}

/** Generates the fleet (or reuses it when it was generated with the same options). */
export function generateFleet(options: FleetOptions): FleetResult {
  const started = Date.now();
  const out = resolve(options.out);
  const registryUrl = `http://127.0.0.1:${options.registryPort}/`;
  const stampFile = join(out, '.fleet-stamp.json');
  const stamp = JSON.stringify({ generator: GENERATOR_VERSION, out, count: options.count, seed: options.seed, registryUrl });
  const applications = planFleet(options.count, options.seed);
  const catalogFile = join(out, 'catalog.yaml');
  const expectedFile = join(out, 'expected.json');
  const complete =
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === stamp &&
    existsSync(catalogFile) &&
    existsSync(expectedFile) &&
    applications.every((a) => existsSync(join(out, 'repos', `${a.name}.git`, 'HEAD')));
  if (complete) {
    ensureSharedComponents(out);
    return { out, reused: true, catalogFile, expectedFile, registryUrl, applications, ms: Date.now() - started };
  }

  rmSync(stampFile, { force: true });
  for (const path of ['repos', 'catalog.yaml', 'expected.json', '.scratch']) rmSync(join(out, path), { recursive: true, force: true });
  mkdirSync(join(out, 'repos'), { recursive: true });
  const shared = ensureSharedComponents(out);
  const ctx: FleetContext = {
    mavenRepoUrl: pathToFileURL(shared.mavenRepo).href,
    agentDir: shared.agentDir,
    registryUrl,
    tarballIntegrity: shared.tarballs.find((t) => t.version === COMPONENT.from)!.integrity,
  };

  const catalog: CatalogEntry[] = [];
  const expected: Record<string, ExpectedApplication> = {};
  applications.forEach((app, i) => {
    const repo = join(out, 'repos', `${app.name}.git`);
    createBareRepo(repo, app, i, ctx, join(out, '.scratch', app.name));
    catalog.push(catalogEntry(app, pathToFileURL(repo).href));
    expected[app.name] = expectedEntry(app);
  });
  rmSync(join(out, '.scratch'), { recursive: true, force: true });

  writeFileSync(
    catalogFile,
    `# Shipshape sample fleet: ${applications.length} applications (seed ${options.seed}). Import with\n` +
      `# curl -X POST -H 'content-type: text/yaml' --data-binary @catalog.yaml http://127.0.0.1:3000/api/applications/import\n` +
      stringify({ applications: catalog }, { lineWidth: 0 }),
  );
  const counts = { succeeded: 0, failed: 0, skipped: 0, not_applicable: 0, one_shot: 0 };
  for (const e of Object.values(expected)) {
    counts[e.outcome]++;
    if (e.outcome === 'succeeded' && e.oneShot) counts.one_shot++;
  }
  writeFileSync(
    expectedFile,
    `${JSON.stringify(
      {
        generator: GENERATOR_VERSION,
        count: applications.length,
        seed: options.seed,
        campaign: {
          maven: { groupId: COMPONENT.groupId, artifactId: COMPONENT.artifactId, from: COMPONENT.from, to: COMPONENT.to },
          npm: { packageName: COMPONENT.npmName, from: COMPONENT.from, to: COMPONENT.to },
          java: { renames: [{ from: COMPONENT.javaPackage.from, to: COMPONENT.javaPackage.to }], methodRenames: [{ type: COMPONENT.type.to, from: COMPONENT.methodRename.from, to: COMPONENT.methodRename.to }] },
          node: { module: COMPONENT.npmName, methodRename: COMPONENT.methodRename },
        },
        sidecar: { agent: AGENT.name, from: AGENT.from, to: AGENT.to, versionVariables: [AGENT.versionVariable], jarDir: shared.agentDir },
        mavenRepository: ctx.mavenRepoUrl,
        npmRegistry: registryUrl,
        totals: counts,
        applications: expected,
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(stampFile, stamp);
  return { out, reused: false, catalogFile, expectedFile, registryUrl, applications, ms: Date.now() - started };
}

function parseArgs(argv: readonly string[]): { command: 'generate' | 'serve'; options: FleetOptions } {
  const args = [...argv];
  const command = args[0] === 'serve' ? 'serve' : 'generate';
  if (args[0] === 'serve' || args[0] === 'generate') args.shift();
  const options = { out: DEFAULT_OUT, count: 12, seed: 'shipshape', registryPort: DEFAULT_REGISTRY_PORT };
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split('=', 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    if (value === undefined) problems.push(`${flag}: needs a value`);
    else if (flag === '--out') options.out = value;
    else if (flag === '--seed') options.seed = value;
    else if (flag === '--count' || flag === '--registry-port') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < (flag === '--count' ? 1 : 0)) problems.push(`${flag}: must be a ${flag === '--count' ? 'positive' : 'non-negative'} integer, got "${value}"`);
      else if (flag === '--count') options.count = n;
      else options.registryPort = n;
    } else problems.push(`${flag}: unknown option (options: --out, --count, --seed, --registry-port)`);
  }
  if (problems.length > 0) {
    console.error(`fleet: ${problems.join('; ')}`);
    process.exit(2);
  }
  return { command, options };
}

async function main(): Promise<void> {
  const { command, options } = parseArgs(process.argv.slice(2));
  if (command === 'serve') {
    const out = resolve(options.out);
    if (!existsSync(join(out, 'npm', 'index.json'))) ensureSharedComponents(out);
    const registry = await startFleetRegistry(join(out, 'npm'), options.registryPort);
    console.log(JSON.stringify({ fleet: 'registry', url: registry.url }));
    return;
  }
  const result = generateFleet(options);
  console.log(
    JSON.stringify({
      fleet: result.reused ? 'reused' : 'generated',
      out: result.out,
      applications: result.applications.length,
      catalog: result.catalogFile,
      expected: result.expectedFile,
      npmRegistry: result.registryUrl,
      ms: result.ms,
    }),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
