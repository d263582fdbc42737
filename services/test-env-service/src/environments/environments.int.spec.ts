import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, waitFor, type TestDatabase } from '@shipshape/testkit';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environments1796000000000 } from '../migrations/1796000000000-environments';
import { createMavenRepo, createNpmRepo, sampleSpec, warmLocalMavenRepository, type MavenVariant, type NpmVariant } from '../testing/sample-apps';
import { TEST_PHASE_TIMEOUTS } from '../testing/test-timeouts';
import { sigkill, startCrashOwner } from '../testing/crash-owner.process';
import { EnvironmentManager } from './environment.manager';
import { EnvironmentReaper } from './environment.reaper';
import { EnvironmentStore } from './environment.store';
import { LocalDriver, readPhaseLog } from './local.driver';
import { currentOwner, groupMembers } from './process-group';

let db: TestDatabase;
let ds: DataSource;
let store: EnvironmentStore;
let driver: LocalDriver;
let root: string;
const repos = new Map<string, string>();

function manager(maxConcurrent = 10): EnvironmentManager {
  return new EnvironmentManager(store, driver, { root, maxConcurrent, ttlSeconds: 3600, owner: currentOwner() });
}

function mavenRepo(variant: MavenVariant): string {
  const key = `maven-${variant}`;
  if (!repos.has(key)) repos.set(key, createMavenRepo(join(root, 'repos', key), variant));
  return repos.get(key) as string;
}

function npmRepo(variant: NpmVariant): string {
  const key = `npm-${variant}`;
  if (!repos.has(key)) repos.set(key, createNpmRepo(join(root, 'repos', key), variant));
  return repos.get(key) as string;
}

let step = 0;
const nextStep = (): string => `step-${process.pid}-${++step}`;

beforeAll(async () => {
  warmLocalMavenRepository(); // the driver builds Maven samples with -o
  root = mkdtempSync(join(tmpdir(), 'shipshape-envs-'));
  db = await createTestDatabase('test_env_envs');
  ds = new DataSource({ type: 'postgres', url: db.url, migrations: [Environments1796000000000] });
  await ds.initialize();
  await ds.runMigrations();
  store = new EnvironmentStore(ds);
  driver = new LocalDriver({ mavenArgs: '-o', timeoutsMs: TEST_PHASE_TIMEOUTS, tailBytes: 4000, registry: store });
});

afterAll(async () => {
  // Nothing may leak: every environment this file made is torn down.
  const reaper = new EnvironmentReaper(store, driver);
  await ds?.query(`INSERT INTO ended_runs (run_id) SELECT DISTINCT run_id FROM environments ON CONFLICT DO NOTHING`);
  await reaper.reapOnce();
  await ds?.destroy();
  await db?.drop();
  rmSync(root, { recursive: true, force: true });
});

describe('maven application', () => {
  it('deploys, serves, passes its tests and smoke requests, then tears down everything', async () => {
    const m = manager();
    const deployed = await m.deploy(nextStep(), 'run-ok', sampleSpec(mavenRepo('ok'), 'maven'));
    expect(deployed.outcome).toBe('ready');
    const env = deployed.env;
    expect(await (await fetch(`http://127.0.0.1:${env.port}/`)).text()).toBe('hello');
    expect(env.usage.buildCpuSeconds).toBeGreaterThan(0);
    expect(env.processGroups).toHaveLength(1);

    const again = await m.deploy(env.stepId, 'run-ok', sampleSpec(mavenRepo('ok'), 'maven'));
    expect(again).toMatchObject({ outcome: 'ready', reused: true, env: { id: env.id, port: env.port } });

    const verified = await m.verify(env.id);
    expect(verified).toMatchObject({ outcome: 'passed', flaky: null });
    if (verified.outcome !== 'passed') return;
    expect(verified.env.usage.testCpuSeconds).toBeGreaterThan(0);
    expect(await readPhaseLog(env.logDir, 'test')).toMatch(/Tests run: 1, Failures: 0/);
    expect(await readPhaseLog(env.logDir, 'smoke')).toBe('GET / -> 200\n');

    const [pgid] = env.processGroups as [number];
    const released = await m.release(env.id);
    expect(released.environmentSeconds).toBeGreaterThan(0);
    expect(groupMembers(pgid)).toEqual([]);
    expect(existsSync(env.workspace)).toBe(false);
    expect(await readPhaseLog(env.logDir, 'build')).toContain('mvn -B -o -q -DskipTests package');
    expect((await store.find(env.id))?.state).toBe('released');
  });

  it('fails a dependency missing from the local repository (offline) as DEPENDENCY_RESOLUTION', async () => {
    const deployed = await manager().deploy(nextStep(), 'run-maven-dep', sampleSpec(mavenRepo('missing-dependency'), 'maven'));

    expect(deployed).toMatchObject({ outcome: 'failed', failure: { phase: 'build', classification: { errorClass: 'DEPENDENCY_RESOLUTION', signature: 'maven.artifact-not-found' } } });
  });

  it('fails a compile error as COMPILE_ERROR naming the first compiler error, and frees the workspace', async () => {
    const deployed = await manager().deploy(nextStep(), 'run-compile', sampleSpec(mavenRepo('compile-error'), 'maven'));

    expect(deployed.outcome).toBe('failed');
    if (deployed.outcome !== 'failed') return;
    expect(deployed.failure.phase).toBe('build');
    expect(deployed.failure.classification).toMatchObject({ errorClass: 'COMPILE_ERROR', signature: 'maven.compilation-failure' });
    expect(deployed.failure.classification.compilerErrors[0]).toMatch(/App\.java:6:\d+: incompatible types: int cannot be converted to java.lang.String$/);
    expect(deployed.failure.logTail).toContain('COMPILATION ERROR');
    expect(existsSync(deployed.env.workspace)).toBe(false);
  });

  it('fails a failing test as TEST_FAILURE naming it (after one re-run)', async () => {
    const m = manager();
    const deployed = await m.deploy(nextStep(), 'run-failing', sampleSpec(mavenRepo('failing-test'), 'maven', { smokePaths: [] }));
    expect(deployed.outcome).toBe('ready');
    const verified = await m.verify(deployed.env.id);

    expect(verified).toMatchObject({ outcome: 'failed', failure: { phase: 'test', classification: { errorClass: 'TEST_FAILURE', failingTests: ['com.example.AppTest.greets'] } } });
    expect(await readPhaseLog(deployed.env.logDir, 'test')).toContain('re-running the tests (1/1)');
    await m.release(deployed.env.id);
  });

  it('calls a test that fails once and passes on re-run TEST_FLAKY', async () => {
    const m = manager();
    const deployed = await m.deploy(nextStep(), 'run-flaky', sampleSpec(mavenRepo('flaky-test'), 'maven', { smokePaths: [] }));
    const verified = await m.verify(deployed.env.id);

    expect(verified).toMatchObject({ outcome: 'passed', flaky: { classification: { errorClass: 'TEST_FLAKY', failingTests: ['com.example.AppTest.sometimes'] } } });
    await m.release(deployed.env.id);
  });
});

describe('npm application', () => {
  it('deploys with npm install, passes node --test and answers smoke requests', async () => {
    const m = manager();
    const deployed = await m.deploy(nextStep(), 'run-npm', sampleSpec(npmRepo('ok'), 'npm'));
    expect(deployed.outcome).toBe('ready');
    const verified = await m.verify(deployed.env.id);
    expect(verified).toMatchObject({ outcome: 'passed', flaky: null });
    await m.release(deployed.env.id);
  });

  it('fails a failing node test as TEST_FAILURE naming it', async () => {
    const m = manager();
    const deployed = await m.deploy(nextStep(), 'run-npm-fail', sampleSpec(npmRepo('failing-test'), 'npm'));
    const verified = await m.verify(deployed.env.id);
    expect(verified).toMatchObject({ outcome: 'failed', failure: { classification: { errorClass: 'TEST_FAILURE', failingTests: ['greets'] } } });
    await m.release(deployed.env.id);
  });

  it('fails a dependency missing from the registry as DEPENDENCY_RESOLUTION', async () => {
    const deployed = await manager().deploy(nextStep(), 'run-dep', sampleSpec(npmRepo('missing-dependency'), 'npm'));
    expect(deployed).toMatchObject({ outcome: 'failed', failure: { phase: 'build', classification: { errorClass: 'DEPENDENCY_RESOLUTION', signature: 'npm.package-not-found' } } });
  });

  it('fails a missing variable as ENV_CONFIG with the start log tail', async () => {
    const deployed = await manager().deploy(nextStep(), 'run-var', sampleSpec(npmRepo('ok'), 'npm', { variables: {} }));
    expect(deployed).toMatchObject({ outcome: 'failed', failure: { phase: 'start', classification: { errorClass: 'ENV_CONFIG', signature: 'app.missing-variable' } } });
    if (deployed.outcome === 'failed') expect(deployed.failure.logTail).toContain('missing required environment variable GREETING');
  });

  it('fails a build tool that is not installed as ENV_CONFIG', async () => {
    const spec = sampleSpec(npmRepo('ok'), 'npm', { commands: { build: 'gradle --no-daemon assemble', test: null, start: null } });
    const deployed = await manager().deploy(nextStep(), 'run-no-tool', spec);
    expect(deployed).toMatchObject({ outcome: 'failed', failure: { phase: 'build', classification: { errorClass: 'ENV_CONFIG', signature: 'shell.command-not-found' } } });
  });

  it('fails an application that cannot bind its port as ENV_CONFIG', async () => {
    const held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    const port = (held.address() as AddressInfo).port;
    try {
      const spec = sampleSpec(npmRepo('ok'), 'npm', { commands: { build: null, test: null, start: `PORT=${port} node server.js` } });
      const deployed = await manager().deploy(nextStep(), 'run-port', spec);
      expect(deployed).toMatchObject({ outcome: 'failed', failure: { phase: 'start', classification: { errorClass: 'ENV_CONFIG', signature: 'node.address-in-use' } } });
    } finally {
      held.close();
    }
  });

  it('fails a health path that never answers as ENV_CONFIG and kills the server', async () => {
    const spec = sampleSpec(npmRepo('no-health'), 'npm', { timeoutsMs: { start: 1000, health: 1500 } });
    const deployed = await manager().deploy(nextStep(), 'run-health', spec);
    expect(deployed).toMatchObject({ outcome: 'failed', failure: { phase: 'health', classification: { errorClass: 'ENV_CONFIG', signature: 'health.never-answered' } } });
    const row = await ds.query('SELECT process_groups FROM environments WHERE id = $1', [deployed.env.id]);
    expect(row[0].process_groups).toEqual([]);
    expect(existsSync(deployed.env.workspace)).toBe(false);
  });

  it('fails a build past its timeout as TIMEOUT, killing the whole build tree', async () => {
    const spec = sampleSpec(npmRepo('slow-build'), 'npm', { timeoutsMs: { build: 3000 } });
    const started = Date.now();
    const deployed = await manager().deploy(nextStep(), 'run-timeout', spec);
    expect(deployed).toMatchObject({ outcome: 'failed', failure: { phase: 'build', classification: { errorClass: 'TIMEOUT' } } });
    expect(Date.now() - started).toBeLessThan(20_000);
    const sleeping = await new Promise<string>((resolve) => {
      const ps = spawn('sh', ['-c', 'ps -eo args | grep "^sleep 30$" || true']);
      let out = '';
      ps.stdout.on('data', (d: Buffer) => (out += d.toString()));
      ps.on('close', () => resolve(out));
    });
    expect(sleeping).toBe('');
  });

  it('honours the platform-wide limit: the second environment waits until the first is released', async () => {
    const spec = sampleSpec(npmRepo('ok'), 'npm', { smokePaths: [] });
    const a = manager(1);
    const b = new EnvironmentManager(new EnvironmentStore(ds), driver, { root, maxConcurrent: 1, ttlSeconds: 3600, owner: currentOwner() });
    const first = await a.deploy(nextStep(), 'run-limit-1', spec);
    expect(first.outcome).toBe('ready');
    const secondStep = nextStep();
    const second = b.deploy(secondStep, 'run-limit-2', spec);
    const waiting = await waitFor(async () => (await ds.query(`SELECT state FROM environments WHERE step_id = $1`, [secondStep]))[0]?.state === 'waiting');
    expect(waiting).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await ds.query(`SELECT state FROM environments WHERE step_id = $1`, [secondStep]))[0].state).toBe('waiting');

    await a.release(first.env.id);
    const done = await second;
    expect(done.outcome).toBe('ready');
    expect(done.env.readyAt?.getTime()).toBeGreaterThan(Date.now() - 60_000);
    await b.release(done.env.id);
  });
});

describe('limit across processes', () => {
  it('counts an environment held by another process, and frees its slot when the reaper tears it down', async () => {
    const { child } = await startCrashOwner(db.url, root, npmRepo('ok'), 'ready', 'other-process-step');
    const spec = sampleSpec(npmRepo('ok'), 'npm', { smokePaths: [] });
    // Every other environment of this file is released or failed by now: the other process holds the only slot.
    const [{ active }] = await ds.query(`SELECT count(*)::int AS active FROM environments WHERE state IN ('provisioning', 'ready')`);
    expect(active).toBe(1);
    const step = nextStep();

    expect(await manager(1).deploy(step, 'run-cross', spec, { wait: false })).toMatchObject({ outcome: 'queued' });

    await sigkill(child);
    expect(await new EnvironmentReaper(store, driver).reapOnce()).toHaveLength(1);
    const deployed = await manager(1).deploy(step, 'run-cross', spec, { wait: false });
    expect(deployed.outcome).toBe('ready');
    await manager().release(deployed.env.id);
  });
});

describe('reaper', () => {
  it('tears down the environment of an owner that was SIGKILLed: processes and workspace', async () => {
    const { child, envId, pgid } = await startCrashOwner(db.url, root, npmRepo('ok'), 'ready', 'crash-step');
    const env = await store.find(envId);
    const reaper = new EnvironmentReaper(store, driver);

    expect(await reaper.reapOnce()).toEqual([]);
    await sigkill(child);
    expect(groupMembers(pgid).length).toBeGreaterThan(0);

    expect(await reaper.reapOnce()).toEqual([{ id: envId, reason: 'owner-gone' }]);
    expect(groupMembers(pgid)).toEqual([]);
    expect(existsSync(env?.workspace ?? '/nonexistent')).toBe(false);
    expect((await store.find(envId))?.state).toBe('released');
  });

  it('lets a repeated deploy take over an environment whose owner crashed mid-build, killing the orphaned build', async () => {
    const { child, envId, pgid } = await startCrashOwner(db.url, root, npmRepo('ok'), 'building', 'crash-step-building');
    await sigkill(child);
    expect(groupMembers(pgid).length).toBeGreaterThan(0);

    const again = await manager().deploy('crash-step-building', 'crash-run', sampleSpec(npmRepo('ok'), 'npm'));

    expect(again).toMatchObject({ outcome: 'ready', env: { id: envId, owner: currentOwner() } });
    expect(groupMembers(pgid)).toEqual([]);
    await manager().release(envId);
  });
  it('tears down environments whose run ended and those past their TTL', async () => {
    const m = manager();
    const spec = sampleSpec(npmRepo('ok'), 'npm', { smokePaths: [] });
    const ended = await m.deploy(nextStep(), 'run-ended', spec);
    const expired = await m.deploy(nextStep(), 'run-expired', spec);
    const alive = await m.deploy(nextStep(), 'run-alive', spec);
    await store.markRunEnded('run-ended');
    await ds.query(`UPDATE environments SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.env.id]);

    const mine = new Set([ended.env.id, expired.env.id, alive.env.id]);
    const reaped = (await new EnvironmentReaper(store, driver).reapOnce()).filter((r) => mine.has(r.id));

    expect(reaped).toEqual([
      { id: ended.env.id, reason: 'run-ended' },
      { id: expired.env.id, reason: 'ttl' },
    ]);
    expect((await store.find(alive.env.id))?.state).toBe('ready');
    await m.release(alive.env.id);
  });
});
