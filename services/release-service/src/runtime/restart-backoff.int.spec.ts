import { AvroCodec, EVENT_TYPES, TOPICS } from '@shipshape/contracts';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase, type TestInfra } from '@shipshape/testkit';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELEASE_SERVICE_SERVICE } from '../service';
import { closeReleaseService, getJson } from '../testing/sample-app.fixture';
import { RuntimeRegistry } from './runtime.registry';
import type { InstanceSpec, RuntimeInstance } from './runtime.types';

/**
 * The watchdog's restart backoff on real processes: an app that appends a line (epoch ms) to its counter file
 * at every start, then serves; from its second start on it exits at once while it has started at most CRASHES times before.
 */
const FLAKY_APP = `'use strict';
const fs = require('node:fs');
const file = process.env.COUNTER_FILE;
const starts = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean).length : 0;
fs.appendFileSync(file, Date.now() + '\\n');
if (starts >= 1 && starts <= Number(process.env.CRASHES)) { console.error('crashing at start ' + (starts + 1)); process.exit(1); }
require('node:http').createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), process.env.HOST);
`;
const BACKOFF_MS = 300;
const BACKOFF_MAX_MS = 600;
const MAX_ATTEMPTS = 4;
const APP = 'sample-restart-backoff';

let infra: TestInfra;
let db: TestDatabase;
let appDir: string;
let workDir: string;
let running: RunningServiceApp | null = null;
const COMMANDS_TOPIC = uniqueTopic('release-backoff');

beforeAll(async () => {
  infra = await getTestInfra();
  db = await createTestDatabase('release_backoff', { create: false });
  await createTopics(infra.kafkaBrokers, [COMMANDS_TOPIC]);
  appDir = mkdtempSync(join(tmpdir(), 'shipshape-flaky-app-'));
  writeFileSync(join(appDir, 'app.js'), FLAKY_APP);
  workDir = mkdtempSync(join(tmpdir(), 'shipshape-release-work-'));
  running = await startServiceApp({
    ...RELEASE_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: db.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'silent',
      RELEASE_WORK_DIR: workDir,
      RELEASE_START_TIMEOUT_MS: '10000',
      RELEASE_WATCHDOG_MS: '100',
      RELEASE_RESTART_BACKOFF_MS: String(BACKOFF_MS),
      RELEASE_RESTART_BACKOFF_MAX_MS: String(BACKOFF_MAX_MS),
      RELEASE_RESTART_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [COMMANDS_TOPIC], groupId: uniqueTopic('release-backoff-group') },
  });
});

afterAll(async () => {
  await closeReleaseService(running, [APP], db?.url);
  await db?.drop();
  await deleteTopics(infra.kafkaBrokers, [COMMANDS_TOPIC]);
  rmSync(appDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

function startsOf(instanceId: string): number[] {
  const file = join(appDir, `${instanceId}.starts`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
}

function spec(instanceId: string, crashes: number): InstanceSpec {
  return { commit: null, version: '1.0.0', agentVersion: null, location: appDir, startCommand: 'node app.js', env: { COUNTER_FILE: join(appDir, `${instanceId}.starts`), CRASHES: String(crashes) } };
}

async function instance(instanceId: string): Promise<RuntimeInstance | undefined> {
  const app = running as RunningServiceApp;
  const { instances } = await getJson<{ instances: RuntimeInstance[] }>(`${app.url}/api/runtime/applications/${APP}/instances`);
  return instances.find((i) => i.instanceId === instanceId);
}

async function published(instanceId: string): Promise<string[]> {
  const rows = (await (running as RunningServiceApp).context.dataSource.query(`SELECT payload FROM messaging_outbox WHERE topic = $1 AND message_key = $2 ORDER BY id`, [
    TOPICS.runtimeInstances,
    `${APP}/${instanceId}`,
  ])) as { payload: Buffer }[];
  const codec = AvroCodec.fromContracts();
  return rows.map((r) => {
    const decoded = codec.decode(r.payload);
    if (decoded.eventType !== EVENT_TYPES.runtimeInstanceEvent) throw new Error(`unexpected ${decoded.eventType}`);
    return decoded.value.state;
  });
}

/** Starts the instance, then kills its process group as a crash would. */
async function startThenKill(instanceId: string, crashes: number): Promise<void> {
  const started = await (running as RunningServiceApp).app.get(RuntimeRegistry).ensureStarted(APP, instanceId, spec(instanceId, crashes));
  if (started.kind !== 'ok') throw new Error(started.message);
  process.kill(-(started.instance.pid as number), 'SIGKILL');
}

describe('watchdog restart backoff', () => {
  it('restarts a dead instance that crashes twice on start with growing waits, then runs it (STOPPED, STARTED)', async () => {
    await startThenKill('i-0', 2);

    const back = await waitFor(async () => {
      const seen = await instance('i-0');
      return seen?.state === 'running' && seen.restarts === 1 ? seen : null;
    }, { timeoutMs: 20_000, description: 'i-0 running again' });

    expect(back).toMatchObject({ restarts: 1, restartAttempts: 0, nextRestartAt: null, failureReason: null });
    expect(await (await fetch(`http://${back.address}/`)).text()).toBe('ok');
    const starts = startsOf('i-0');
    expect(starts).toHaveLength(4); // the first start, two crashing attempts, the one that came up
    const waits = starts.slice(1).map((at, i) => at - (starts[i] as number));
    expect(waits[1]).toBeGreaterThanOrEqual(BACKOFF_MS);
    expect(waits[2]).toBeGreaterThanOrEqual(BACKOFF_MAX_MS); // 2 × 300 ms, capped at 600 ms
    expect(await published('i-0')).toEqual(['STARTED', 'STOPPED', 'STARTED']);
  });

  it('leaves an instance that never starts again failed after the last attempt, with the reason over REST', async () => {
    await startThenKill('i-1', 1_000);

    const failing = await waitFor(async () => {
      const seen = await instance('i-1');
      return seen?.state === 'failed' && seen.restartAttempts >= 1 && seen.nextRestartAt !== null ? seen : null;
    }, { timeoutMs: 10_000, description: 'i-1 waiting for its next restart attempt' });
    expect(failing.failureReason).toBe('the instance exited before it listened on its port');

    const given = await waitFor(async () => {
      const seen = await instance('i-1');
      return seen?.restartAttempts === MAX_ATTEMPTS ? seen : null;
    }, { timeoutMs: 20_000, description: 'i-1 out of restart attempts' });
    expect(given).toMatchObject({ state: 'failed', pid: null, restarts: 1, nextRestartAt: null });
    expect(given.failureReason).toBe(`gave up after ${MAX_ATTEMPTS} restart attempt(s); last: the instance exited before it listened on its port`);

    await new Promise((resolve) => setTimeout(resolve, 3 * BACKOFF_MAX_MS)); // no further attempt
    expect(startsOf('i-1')).toHaveLength(1 + MAX_ATTEMPTS);
    expect(await instance('i-1')).toMatchObject({ state: 'failed', restartAttempts: MAX_ATTEMPTS });
    expect(await published('i-1')).toEqual(['STARTED', 'STOPPED']);
  });

  it('keeps a failed instance failed when a release cannot start it either, and runs it again (series cleared) after one that can', async () => {
    const registry = (running as RunningServiceApp).app.get(RuntimeRegistry);
    const before = await instance('i-1');

    const broken = await registry.replace(APP, 'i-1', { ...spec('i-1', 1_000), version: '1.0.1' });

    expect(broken.kind).toBe('start-failed');
    expect(await instance('i-1')).toMatchObject({ state: 'failed', pid: null, version: '1.0.0', target: null, failureReason: before?.failureReason, nextRestartAt: null });

    const fixed = await registry.replace(APP, 'i-1', { ...spec('i-1', 0), version: '1.0.2' });

    if (fixed.kind !== 'ok') throw new Error(fixed.message);
    expect(await instance('i-1')).toMatchObject({ state: 'running', version: '1.0.2', restartAttempts: 0, nextRestartAt: null, failureReason: null });
    expect(await (await fetch(`http://${fixed.instance.address}/`)).text()).toBe('ok');
    expect(await published('i-1')).toEqual(['STARTED', 'STOPPED', 'REPLACED']);
  });
});
