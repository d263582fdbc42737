import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@shipshape/testkit';
import { groupMembers } from '../environments/process-group';
import { sigkill, startCrashOwner } from '../testing/crash-owner.process';
import { createMavenRepo, createNpmRepo, SAMPLE_BRANCH } from '../testing/sample-apps';
import { codec, sampleCommand as command, startStageHarness, type StageHarness } from '../testing/stage-harness';

let h: StageHarness;

beforeAll(async () => {
  h = await startStageHarness({ TEST_ENV_PUBLIC_URL: 'http://test-env.example/' });
});

afterAll(async () => {
  await h?.close();
});

describe('test-deploy, test-verify, env-release over Kafka', () => {
  it('deploys a Maven app once per step, verifies it, serves its logs and releases it from the ledger', async () => {
    const repo = createMavenRepo(join(h.root, 'maven-ok'), 'ok');
    const deploy = command('run-maven', 'test-deploy', repo, 'maven');
    await h.send(deploy);
    await h.send({ ...deploy, eventId: 'redelivered' });
    const deployed = await h.resultFor(deploy.stepId);

    expect(deployed).toMatchObject({ outcome: 'SUCCEEDED', service: 'test-env-service', stage: 'test-deploy', errorClass: null });
    expect(deployed.acquired).toEqual([expect.objectContaining({ kind: 'test-environment', attributes: expect.objectContaining({ driver: 'local' }) })]);
    expect(deployed.usage.metrics['buildCpuSeconds']).toBeGreaterThan(0);
    const env = deployed.acquired[0]!;
    expect(await (await fetch(`${env.attributes['url']}/`)).text()).toBe('hello');
    const log = await fetch(`${h.running.url}/api/environments/${env.id}/logs/build`);
    expect(log.status).toBe(200);
    expect(await log.text()).toContain('mvn -B -o -q -DskipTests package');
    expect((await fetch(`${h.running.url}/api/environments/${env.id}/logs/nonsense`)).status).toBe(400);
    expect((await fetch(`${h.running.url}/api/environments/env-unknown/logs/build`)).status).toBe(404);

    const verify = command('run-maven', 'test-verify', repo, 'maven', { resources: [env] });
    await h.send(verify);
    const verified = await h.resultFor(verify.stepId);
    expect(verified).toMatchObject({ outcome: 'SUCCEEDED', details: expect.objectContaining({ environmentId: env.id, smokeRequests: '1' }) });
    expect(verified.usage.metrics['testCpuSeconds']).toBeGreaterThan(0);
    const deployResults = h.results.filter((r) => r.stepId === deploy.stepId);
    expect(deployResults.filter((r) => r.outcome !== 'PROGRESS')).toHaveLength(1);
    expect(deployResults.filter((r) => r.outcome === 'PROGRESS').map((r) => r.progress?.phase)).toEqual(['clone', 'build', 'start']);
    expect(h.results.filter((r) => r.stepId === verify.stepId && r.outcome === 'PROGRESS').map((r) => r.progress?.phase)).toEqual(['test', 'smoke']);

    const state = (await (await fetch(`${h.running.url}/api/environments/${env.id}`)).json()) as { processGroups: number[]; workspace: string };
    const release = command('run-maven', 'env-release', repo, 'maven', { resources: [env] });
    await h.send(release);
    const released = await h.resultFor(release.stepId);
    expect(released).toMatchObject({ outcome: 'SUCCEEDED', released: [expect.objectContaining({ kind: 'test-environment', id: env.id })] });
    expect(released.usage.metrics['environmentSeconds']).toBeGreaterThan(0);
    expect(state.processGroups.flatMap((g) => groupMembers(g))).toEqual([]);
    expect(existsSync(state.workspace)).toBe(false);
  });

  it('reports the test results of a passed verify (command, counts, duration) for the merge request', async () => {
    const repo = createNpmRepo(join(h.root, 'npm-ok'), 'ok');
    const deploy = command('run-npm-ok', 'test-deploy', repo, 'npm');
    await h.send(deploy);
    const env = (await h.resultFor(deploy.stepId)).acquired[0]!;
    const verify = command('run-npm-ok', 'test-verify', repo, 'npm', { resources: [env] });
    await h.send(verify);

    const verified = await h.resultFor(verify.stepId);

    expect(verified).toMatchObject({ outcome: 'SUCCEEDED' });
    expect(verified.details).toMatchObject({ environmentId: env.id, testCommand: 'npm test', testsPassed: '1', testsFailed: '0', testsSkipped: '0' });
    expect(Number(verified.details['testDurationMs'])).toBeGreaterThan(0);
    expect(verified.links).toEqual([{ label: 'test log', url: `http://test-env.example/api/environments/${env.id}/logs/test` }]);
  });

  it('fails a failing npm test as TEST_FAILURE naming the test, with the log tail', async () => {
    const repo = createNpmRepo(join(h.root, 'npm-failing'), 'failing-test');
    const deploy = command('run-npm-fail', 'test-deploy', repo, 'npm');
    await h.send(deploy);
    const env = (await h.resultFor(deploy.stepId)).acquired[0]!;
    const verify = command('run-npm-fail', 'test-verify', repo, 'npm', { resources: [env] });
    await h.send(verify);

    const verified = await h.resultFor(verify.stepId);

    expect(verified).toMatchObject({ outcome: 'FAILED', errorClass: 'TEST_FAILURE', message: 'tests fail: greets' });
    expect(verified.details).toMatchObject({ phase: 'test', failingTests: 'greets', logs: `/api/environments/${env.id}/logs/test` });
    expect(verified.details['logTail']).toContain('not ok 1 - greets');
    expect(verified.links).toEqual([{ label: 'test log', url: `http://test-env.example/api/environments/${env.id}/logs/test` }]);
  });

  it('fails tests that pass only on re-run as TEST_FLAKY (retryable), naming them', async () => {
    const repo = createNpmRepo(join(h.root, 'npm-flaky'), 'flaky-test');
    const deploy = command('run-npm-flaky', 'test-deploy', repo, 'npm');
    await h.send(deploy);
    const env = (await h.resultFor(deploy.stepId)).acquired[0]!;
    const verify = command('run-npm-flaky', 'test-verify', repo, 'npm', { resources: [env] });
    await h.send(verify);

    expect(await h.resultFor(verify.stepId)).toMatchObject({
      outcome: 'FAILED',
      errorClass: 'TEST_FLAKY',
      details: expect.objectContaining({ failingTests: 'sometimes', rerun: 'passed', signature: 'flaky-rerun' }),
    });
  });

  it('fails a deploy of a missing variable as ENV_CONFIG, and an unserved stage as INVALID_INPUT', async () => {
    const repo = createNpmRepo(join(h.root, 'npm-novar'), 'ok');
    const deploy = command('run-novar', 'test-deploy', repo, 'npm', { parameters: { testEnv: { gitRef: SAMPLE_BRANCH } } });
    const wrong = command('run-novar', 'merge', repo, 'npm');
    await h.send(deploy);
    await h.send(wrong);

    expect(await h.resultFor(wrong.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'INVALID_INPUT' });
    expect(await h.resultFor(deploy.stepId)).toMatchObject({
      outcome: 'FAILED',
      errorClass: 'ENV_CONFIG',
      details: expect.objectContaining({ phase: 'start', signature: 'app.missing-variable' }),
    });
  });

  it('finishes a step whose worker died mid-way (lease expired) exactly once', async () => {
    const input = command('run-orphan', 'env-release', '/nowhere', 'npm', { resources: [{ kind: 'test-environment', id: 'env-never-made' }] });
    const cmd = codec.decode(codec.encodeEvent('StepCommand', input)).value;
    await h.running.context.dataSource.query(
      `INSERT INTO test_env_steps (step_id, run_id, stage, command, state, locked_until) VALUES ($1, $2, $3, $4, 'running', now() - interval '1 second')`,
      [input.stepId, input.runId, input.stage, JSON.stringify(cmd)],
    );

    const released = await h.resultFor(input.stepId, 20_000);

    expect(released).toMatchObject({ outcome: 'SUCCEEDED', released: [{ kind: 'test-environment', id: 'env-never-made', attributes: { found: 'false' } }] });
    const [row] = await h.running.context.dataSource.query(`SELECT state FROM test_env_steps WHERE step_id = $1`, [input.stepId]);
    expect(row.state).toBe('done');
  });

  it("reaps, in the running service, the environment of an owner process that was SIGKILLed", async () => {
    const repo = createNpmRepo(join(h.root, 'npm-crash'), 'ok');
    const { child, envId, pgid } = await startCrashOwner(h.running.context.database.url, h.root, repo, 'ready', 'crash-in-service');
    await sigkill(child);

    await waitFor(
      async () => ((await (await fetch(`${h.running.url}/api/environments/${envId}`)).json()) as { state: string }).state === 'released',
      { timeoutMs: 20_000, description: 'environment reaped by the service' },
    );
    expect(groupMembers(pgid)).toEqual([]);
  });

  it('reaps the environment of a run the orchestrator reports as ended', async () => {
    const repo = createNpmRepo(join(h.root, 'npm-ended'), 'ok');
    const deploy = command('run-ended', 'test-deploy', repo, 'npm');
    await h.send(deploy);
    const env = (await h.resultFor(deploy.stepId)).acquired[0]!;
    await h.sendRunEvent({ eventId: 'run-ended-evt', occurredAt: Date.now(), scope: 'RUN', transition: 'ABORTED', taskId: 'task-1', runId: 'run-ended' });

    const state = await waitFor(
      async () => {
        const body = (await (await fetch(`${h.running.url}/api/environments/${env.id}`)).json()) as { state: string };
        return body.state === 'released' ? body : null;
      },
      { timeoutMs: 20_000, description: 'environment released by the reaper' },
    );
    expect(state.state).toBe('released');
  });
});
