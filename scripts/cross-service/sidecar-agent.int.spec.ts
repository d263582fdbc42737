/**
 * The sample fleet's real Java application with a JavaAgent (accounts-auth: `sh run.sh`, agent 1.2.0
 * declared), released by the real release-service onto real processes: a sidecar release to 1.3.0
 * starts the same build with exactly one agent (1.3.0, through SHIPSHAPE_AGENT_VERSION, no
 * JAVA_TOOL_OPTIONS), and a later code release runs the agent its own run.sh declares, with no agent
 * setting carried over. Read from the JVM's command line and environment in /proc and from the app.
 */
import { EVENT_SAMPLES, EVENT_TYPES, type StepCommand } from '@shipshape/contracts';
import { OutboxWriter } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeInstance } from '../../services/release-service/src/runtime/runtime.types';
import { RELEASE_SERVICE_SERVICE } from '../../services/release-service/src/service';
import { closeReleaseService, getJson } from '../../services/release-service/src/testing/sample-app.fixture';
import { AGENT } from '../fleet/components';
import { generateFleet } from '../fleet/generate';

const APPLICATION = 'accounts-auth';
const COMMANDS_TOPIC = uniqueTopic('xs-sidecar-steps');
const RESULTS_TOPIC = uniqueTopic('xs-sidecar-results');
const RUN_EVENTS_TOPIC = uniqueTopic('xs-sidecar-run-events');

let root: string;
let db: TestDatabase;
let releaseService: RunningServiceApp;
let repoUrl: string;
let steps = 0;

async function release(gitRef: string, componentChange: StepCommand['componentChange']): Promise<StepCommand> {
  steps += 1;
  const base = EVENT_SAMPLES.StepCommand;
  const command: StepCommand = {
    ...base,
    eventId: `xs-sidecar-${steps}`,
    stepId: `run-xs-sidecar:release:${steps}`,
    runId: 'run-xs-sidecar',
    stage: 'release',
    attempt: steps,
    deadline: Date.now() + 10 * 60_000,
    componentChange,
    application: {
      ...base.application,
      name: APPLICATION,
      repositoryUrl: repoUrl,
      buildTool: 'maven',
      commands: { build: 'mvn -B -q -DskipTests package', test: null, start: 'sh run.sh' },
      labels: {},
    },
    parameters: {
      change: null,
      testEnv: null,
      release: { gitRef, runtime: 'local', trafficSteps: [100], observeSeconds: 0, maxErrorRate: 0.01, autoRollback: true },
      detect: null,
      extra: { 'release.instances': '1', 'release.healthPath': '/health', 'release.bakeMs': '300', 'release.probeIntervalMs': '100' },
    },
  };
  await releaseService.context.dataSource.transaction((tx) =>
    releaseService.app.get(OutboxWriter).add(tx, { topic: COMMANDS_TOPIC, key: command.runId, eventType: EVENT_TYPES.stepCommand, value: command, messageId: command.eventId }),
  );
  const result = await waitFor(
    async () => {
      const rows = (await releaseService.context.dataSource.query(`SELECT status, result FROM releases WHERE id = $1`, [command.stepId])) as Array<{ status: string; result: unknown }>;
      return rows[0]?.status === 'succeeded' || rows[0]?.status === 'failed' ? rows[0] : undefined;
    },
    { timeoutMs: 240_000, intervalMs: 250, description: `release ${command.stepId}` },
  );
  expect(result).toMatchObject({ status: 'succeeded' });
  return command;
}

async function instance(): Promise<RuntimeInstance> {
  const { instances } = await getJson<{ instances: RuntimeInstance[] }>(`${releaseService.url}/api/runtime/applications/${APPLICATION}/instances`);
  expect(instances).toHaveLength(1);
  return instances[0]!;
}

/** The JVM of an instance (in its process group): the -javaagent jars on its command line and its environment. */
function jvm(group: number): { agents: string[]; env: string[] } {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== group) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (!cmdline[0]!.endsWith('java')) continue;
      return { agents: cmdline.filter((a) => a.startsWith('-javaagent:')).map((a) => basename(a)), env: readFileSync(`/proc/${name}/environ`, 'utf8').split('\0') };
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no java process in group ${group}`);
}

async function agentReported(address: string): Promise<string | undefined> {
  const body = await getJson<{ components: Array<{ name: string; version: string }> }>(`http://${address}/components`);
  return body.components.find((c) => c.name === AGENT.title)?.version;
}

beforeAll(async () => {
  const infra = await getTestInfra();
  root = mkdtempSync(join(tmpdir(), 'shipshape-xs-sidecar-'));
  generateFleet({ out: join(root, 'fleet'), count: 12, seed: 'xs-sidecar', registryPort: 4999 });
  repoUrl = join(root, 'fleet', 'repos', `${APPLICATION}.git`);
  db = await createTestDatabase('xs_sidecar', { create: false });
  await createTopics(infra.kafkaBrokers, [COMMANDS_TOPIC, RESULTS_TOPIC, RUN_EVENTS_TOPIC]);
  releaseService = await startServiceApp({
    ...RELEASE_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: db.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      RELEASE_WORK_DIR: join(root, 'release'),
      RELEASE_WORKER_POLL_MS: '100',
      RELEASE_START_TIMEOUT_MS: '60000',
      STEP_RESULTS_TOPIC: RESULTS_TOPIC,
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [COMMANDS_TOPIC, RUN_EVENTS_TOPIC], groupId: uniqueTopic('xs-sidecar') },
  });
}, 120_000);

afterAll(async () => {
  await closeReleaseService(releaseService, [APPLICATION], db?.url);
  await db?.drop();
  await deleteTopics((await getTestInfra()).kafkaBrokers, [COMMANDS_TOPIC, RESULTS_TOPIC, RUN_EVENTS_TOPIC]);
  rmSync(root, { recursive: true, force: true });
});

describe('sidecar release of the fleet\'s Java application with a JavaAgent', () => {
  it('loads exactly one agent: the declared one, then the sidecar\'s, then what the next code declares', async () => {
    const component = { kind: 'COMPONENT', ecosystem: 'maven', coordinates: 'com.shipshape.sample:rpc-client', fromRange: '[1.0,2.0)', toVersion: '2.0.0' } as const;
    await release('main', component);
    const first = await instance();
    expect(jvm(first.pid!).agents).toEqual([`${AGENT.name}-${AGENT.from}.jar`]);
    expect(await agentReported(first.address!)).toBe(AGENT.from);

    await release('main', { kind: 'SIDECAR', ecosystem: 'java-agent', coordinates: AGENT.name, fromRange: '<1.3.0', toVersion: AGENT.to });
    const sidecar = await instance();
    expect(sidecar).toMatchObject({ location: first.location, commit: first.commit, agentVersion: AGENT.to });
    const afterSidecar = jvm(sidecar.pid!);
    expect(afterSidecar.agents).toEqual([`${AGENT.name}-${AGENT.to}.jar`]);
    expect(afterSidecar.env).toContain(`SHIPSHAPE_AGENT_VERSION=${AGENT.to}`);
    expect(afterSidecar.env.some((e) => e.startsWith('JAVA_TOOL_OPTIONS='))).toBe(false);
    expect(await agentReported(sidecar.address!)).toBe(AGENT.to);

    // the sidecar change merged: run.sh now declares 1.3.0; a later code release builds it and drops the release's agent variable
    const work = join(root, 'work');
    execFileSync('git', ['clone', '--quiet', repoUrl, work]);
    const runSh = join(work, 'run.sh');
    writeFileSync(runSh, readFileSync(runSh, 'utf8').replace(`${AGENT.versionVariable}=${AGENT.from}`, `${AGENT.versionVariable}=${AGENT.to}`));
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: work, encoding: 'utf8' }).trim();
    git('commit', '--quiet', '-am', 'Upgrade shipshape-agent to 1.3.0');
    git('push', '--quiet', 'origin', 'HEAD:main');
    const merged = git('rev-parse', 'HEAD');

    await release(merged, component);
    const code = await instance();
    expect(code).toMatchObject({ commit: merged, agentVersion: null });
    const afterCode = jvm(code.pid!);
    expect(afterCode.agents).toEqual([`${AGENT.name}-${AGENT.to}.jar`]);
    expect(afterCode.env.some((e) => e.startsWith('SHIPSHAPE_AGENT_VERSION='))).toBe(false);
    expect(await agentReported(code.address!)).toBe(AGENT.to);
  }, 600_000);
});
