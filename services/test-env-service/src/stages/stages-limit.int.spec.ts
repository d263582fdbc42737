import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNpmRepo } from '../testing/sample-apps';
import { sampleCommand, startStageHarness, type StageHarness } from '../testing/stage-harness';

let h: StageHarness;

beforeAll(async () => {
  // One slot and ONE worker: a deploy waiting for the slot must not hold the worker the release needs.
  h = await startStageHarness({ TEST_ENV_MAX_CONCURRENT: '1', TEST_ENV_WORKERS: '1' });
});

afterAll(async () => {
  await h?.close();
});

it('keeps a second deploy waiting while the limit is reached, and deploys it once the first is released', async () => {
  const repo = createNpmRepo(join(h.root, 'npm-ok'), 'ok');
  const first = sampleCommand('run-a', 'test-deploy', repo, 'npm');
  const second = sampleCommand('run-b', 'test-deploy', repo, 'npm');
  await h.send(first);
  const envA = (await h.resultFor(first.stepId)).acquired[0]!;
  await h.send(second);
  await new Promise((r) => setTimeout(r, 2500));

  expect(h.results.find((r) => r.stepId === second.stepId)).toBeUndefined();
  const [waiting] = await h.running.context.dataSource.query(`SELECT state FROM environments WHERE step_id = $1`, [second.stepId]);
  expect(waiting.state).toBe('waiting');

  const release = sampleCommand('run-a', 'env-release', repo, 'npm', { resources: [envA] });
  await h.send(release);
  expect(await h.resultFor(release.stepId, 20_000)).toMatchObject({ outcome: 'SUCCEEDED' });
  const deployed = await h.resultFor(second.stepId, 30_000);

  expect(deployed).toMatchObject({ outcome: 'SUCCEEDED', acquired: [expect.objectContaining({ kind: 'test-environment' })] });
  const [active] = await h.running.context.dataSource.query(`SELECT count(*)::int AS n FROM environments WHERE state IN ('provisioning', 'ready')`);
  expect(active.n).toBe(1);
});
