import { AvroCodec, EVENT_TYPES, TOPICS, type RuntimeInstanceEvent } from '@shipshape/contracts';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase, type TestInfra } from '@shipshape/testkit';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELEASE_SERVICE_SERVICE } from '../service';
import { createSampleRepo, closeReleaseService, getJson, SAMPLE_COMMANDS, type SampleRepo } from '../testing/sample-app.fixture';
import { processAlive } from './process-group';
import { RUNTIME_DRIVER, type Build, type RuntimeDriver } from './runtime-driver';
import { RuntimeRegistry } from './runtime.registry';
import type { InstanceSpec, RuntimeInstance } from './runtime.types';

let infra: TestInfra;
let db: TestDatabase;
let repo: SampleRepo;
let workDir: string;
let running: RunningServiceApp | null = null;
const APP = 'sample-runtime';
const COMMANDS_TOPIC = uniqueTopic('release-runtime');
const GROUP = uniqueTopic('release-runtime-group');

async function boot(): Promise<RunningServiceApp> {
  return startServiceApp({
    ...RELEASE_SERVICE_SERVICE,
    env: { DATABASE_URL: infra.databaseUrl, DATABASE_NAME: db.name, KAFKA_BROKERS: infra.kafkaBrokers, LOG_LEVEL: 'warn', RELEASE_WORK_DIR: workDir, RELEASE_START_TIMEOUT_MS: '10000' },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [COMMANDS_TOPIC], groupId: GROUP },
  });
}

async function instances(app: RunningServiceApp): Promise<RuntimeInstance[]> {
  return (await getJson<{ instances: RuntimeInstance[] }>(`${app.url}/api/runtime/applications/${APP}/instances`)).instances;
}

async function events(app: RunningServiceApp): Promise<RuntimeInstanceEvent[]> {
  const rows = (await app.context.dataSource.query('SELECT message_key, event_type, payload FROM messaging_outbox WHERE topic = $1 ORDER BY id', [TOPICS.runtimeInstances])) as {
    message_key: string;
    event_type: string;
    payload: Buffer;
  }[];
  const codec = AvroCodec.fromContracts();
  return rows.map((r) => {
    const decoded = codec.decode(r.payload);
    if (decoded.eventType !== EVENT_TYPES.runtimeInstanceEvent) throw new Error(`unexpected ${decoded.eventType}`);
    expect(r.message_key).toBe(`${decoded.value.application}/${decoded.value.instance}`);
    return decoded.value;
  });
}

/** Live processes whose process group is pgid (the shell and the node process it runs). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // gone while reading
    }
  }
  return members;
}

function spec(build: Build, agentVersion: string | null = null): InstanceSpec {
  return { commit: build.commit, version: build.version, agentVersion, location: build.location, startCommand: SAMPLE_COMMANDS.start, env: {} };
}

beforeAll(async () => {
  infra = await getTestInfra();
  db = await createTestDatabase('release_runtime', { create: false });
  await createTopics(infra.kafkaBrokers, [COMMANDS_TOPIC]);
  repo = createSampleRepo();
  workDir = mkdtempSync(join(tmpdir(), 'shipshape-release-work-'));
  running = await boot();
});

afterAll(async () => {
  await closeReleaseService(running, [APP], db?.url);
  await db?.drop();
  await deleteTopics(infra.kafkaBrokers, [COMMANDS_TOPIC]);
  repo?.remove();
  rmSync(workDir, { recursive: true, force: true });
});

describe('local runtime driver and registry', () => {
  let v1: Build;
  let v2: Build;

  it('builds a commit of the default branch once, reuses it, and refuses refs that are not on it', async () => {
    const app = running as RunningServiceApp;
    const driver = app.app.get<RuntimeDriver>(RUNTIME_DRIVER);
    const c1 = repo.commitVersion('1.0.0');
    const c2 = repo.commitVersion('2.0.0');
    const side = repo.commitVersion('9.9.9', { onBranch: 'feature' });
    const request = { application: APP, repositoryUrl: repo.url, defaultBranch: 'main', buildCommand: SAMPLE_COMMANDS.build };

    const first = await driver.build({ ...request, gitRef: c1 });
    const again = await driver.build({ ...request, gitRef: c1 });
    const second = await driver.build({ ...request, gitRef: 'main' });
    const offBranch = await driver.build({ ...request, gitRef: side });
    const missing = await driver.build({ ...request, gitRef: 'deadbeef' });
    const broken = await driver.build({ ...request, gitRef: c2, buildCommand: 'node --check does-not-exist.js' });

    expect(first).toMatchObject({ kind: 'built', reused: false, build: { commit: c1, version: '1.0.0' } });
    expect(again).toMatchObject({ kind: 'built', reused: true, build: { commit: c1 } });
    expect(second).toMatchObject({ kind: 'built', build: { commit: c2, version: '2.0.0' } });
    expect(offBranch).toEqual({ kind: 'not-on-default-branch', commit: side, defaultBranch: 'main' });
    expect(missing).toEqual({ kind: 'ref-not-found', gitRef: 'deadbeef' });
    expect(broken).toMatchObject({ kind: 'built', reused: true }); // c2 was built already: the checkout is reused, not rebuilt
    if (first.kind !== 'built' || second.kind !== 'built') throw new Error('unreachable');
    v1 = first.build;
    v2 = second.build;
  });

  it('starts instances on their own ports, records them, and replaces one with a new build', async () => {
    const app = running as RunningServiceApp;
    const registry = app.app.get(RuntimeRegistry);

    const a = await registry.ensureStarted(APP, 'i-0', spec(v1));
    const b = await registry.ensureStarted(APP, 'i-1', spec(v1, '1.4.0'));
    const repeat = await registry.ensureStarted(APP, 'i-0', spec(v1));
    if (a.kind !== 'ok' || b.kind !== 'ok' || repeat.kind !== 'ok') throw new Error('start failed');
    expect(repeat.instance.pid).toBe(a.instance.pid);
    expect(a.instance.address).not.toBe(b.instance.address);

    const listed = await instances(app);
    expect(listed.map((i) => [i.instanceId, i.version, i.state])).toEqual([['i-0', '1.0.0', 'running'], ['i-1', '1.0.0', 'running']]);
    const served = await getJson<{ version: string; agent: string | null }>(`http://${b.instance.address}/version`);
    expect(served).toMatchObject({ version: '1.0.0' });

    const replaced = await registry.replace(APP, 'i-1', spec(v2));
    if (replaced.kind !== 'ok') throw new Error(replaced.message);
    expect(processAlive(b.instance.pid as number)).toBe(false);
    expect(await getJson<{ version: string }>(`http://${replaced.instance.address}/version`)).toMatchObject({ version: '2.0.0' });
    expect((await instances(app)).map((i) => i.version)).toEqual(['1.0.0', '2.0.0']);

    const published = await events(app);
    expect(published.map((e) => [e.instance, e.state, e.version, e.previousVersion])).toEqual([
      ['i-0', 'STARTED', '1.0.0', null],
      ['i-1', 'STARTED', '1.0.0', null],
      ['i-1', 'REPLACED', '2.0.0', '1.0.0'],
    ]);
    expect(published[1]).toMatchObject({ commit: v1.commit, address: b.instance.address, components: { agent: '1.4.0' } });
  });

  it('finishes a replacement a crash interrupted with the process it had started, instead of starting another', async () => {
    const app = running as RunningServiceApp;
    const registry = app.app.get(RuntimeRegistry);
    const driver = app.app.get<RuntimeDriver>(RUNTIME_DRIVER);
    const [old] = await instances(app);
    // as if release-service died right after starting the new process for i-0 and recording it
    const started = await driver.start({ application: APP, instanceId: 'i-0', location: v2.location, startCommand: SAMPLE_COMMANDS.start, env: {} });
    if (started.kind !== 'started') throw new Error(started.message);
    const target = { ...spec(v2), pid: started.pid, port: started.port, address: started.address };
    await app.context.dataSource.query(`UPDATE runtime_instances SET state = 'replacing', target = $1 WHERE application = $2 AND instance_id = 'i-0'`, [JSON.stringify(target), APP]);

    const outcome = await registry.replace(APP, 'i-0', spec(v2));

    if (outcome.kind !== 'ok') throw new Error(outcome.message);
    expect(outcome.instance).toMatchObject({ pid: started.pid, address: started.address, version: '2.0.0', state: 'running', target: null });
    expect(processAlive(old?.pid as number)).toBe(false);
    // back to v1 for the next tests
    const back = await registry.replace(APP, 'i-0', spec(v1));
    expect(back.kind).toBe('ok');
    expect(processAlive(started.pid)).toBe(false);
  });

  it('after a restart adopts the instances that still run and restarts only the dead ones', async () => {
    const before = await instances(running as RunningServiceApp);
    await (running as RunningServiceApp).app.close();
    running = null;
    // i-0 dies while release-service is down
    process.kill(-(before[0]?.pid as number), 'SIGKILL');
    await waitFor(() => !processAlive(before[0]?.pid as number), { description: 'i-0 to die' });

    running = await boot();
    const after = await instances(running);

    expect(after.find((i) => i.instanceId === 'i-1')?.pid).toBe(before[1]?.pid);
    expect(after.find((i) => i.instanceId === 'i-0')?.pid).not.toBe(before[0]?.pid);
    for (const instance of after) expect(await getJson<{ version: string }>(`http://${instance.address}/version`)).toMatchObject({ version: instance.version });
    const published = await events(running);
    expect(published.slice(5).map((e) => [e.instance, e.state])).toEqual([['i-0', 'STARTED']]);
  });

  it('stops every instance as a whole process group and publishes STOPPED', async () => {
    const app = running as RunningServiceApp;
    const before = await instances(app);
    for (const instance of before) expect(groupMembers(instance.pid as number).length).toBeGreaterThan(0);
    const res = await fetch(`${app.url}/api/runtime/applications/${APP}/instances`, { method: 'DELETE' });

    expect(await res.json()).toEqual({ application: APP, stopped: 2 });
    for (const instance of before) expect(groupMembers(instance.pid as number)).toEqual([]);
    expect(await instances(app)).toEqual([]);
    expect((await events(app)).slice(-2).map((e) => e.state)).toEqual(['STOPPED', 'STOPPED']);
  });
});
