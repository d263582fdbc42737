/**
 * The test results of test-verify travel to the merge request: on the real stack (task-manager
 * in-process, a test peer answering over Kafka), test-verify's StepResult details and link come back in
 * the review command's parameters.extra (contracts TEST_RESULT_EXTRA_KEYS), which change-service writes
 * into the merge request description (change-step.int.spec.ts).
 */
import { TEST_RESULT_EXTRA_KEYS as K } from '@shipshape/contracts';
import type { RunningServiceApp } from '@shipshape/service-kit';
import { waitFor, type TestDatabase } from '@shipshape/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ALWAYS_SUCCEED, COMPONENT_TASK, TestPeer, api, bootTaskManager, createTestDatabase, createTestTopics, deleteTestTopics, type TestTopics } from '../../test/task-manager.harness';

let db: TestDatabase;
let topics: TestTopics;
let running: RunningServiceApp;
let peer: TestPeer;

beforeAll(async () => {
  db = await createTestDatabase('tm_test_results', { create: false });
  topics = await createTestTopics('tm-test-results');
  peer = new TestPeer(topics);
  peer.behaviour = (c) => {
    const [ok] = ALWAYS_SUCCEED(c);
    if (c.stage !== 'test-verify') return [ok!];
    return [
      {
        ...ok!,
        details: { environmentId: 'env-7', logs: '/api/environments/env-7/logs/test', testCommand: 'mvn -B test', testsPassed: '12', testsFailed: '0', testsSkipped: '1', testDurationMs: '4200' },
        links: [{ label: 'test log', url: 'http://test-env/api/environments/env-7/logs/test' }],
      },
    ];
  };
  await peer.start();
  running = await bootTaskManager(db, topics);
  expect((await api(running.url, 'POST', '/api/applications/import', [{ name: 'tested', team: 'team-t', service: 'svc-t', repositoryUrl: '/repos/tested.git' }])).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await running?.app.close();
  await peer?.stop();
  await db?.drop();
  if (topics) await deleteTestTopics(topics);
});

it("gives review and merge the run's test-verify results for the merge request description", async () => {
  const created = await api<{ task: { id: string }; plan: { runs: Array<{ runId: string }> } }>(running.url, 'POST', '/api/tasks', { ...COMPONENT_TASK, selection: { applications: ['tested'] } });
  expect(created.status).toBe(201);
  expect((await api(running.url, 'POST', `/api/tasks/${created.body.task.id}/start`)).status).toBe(200);
  const runId = created.body.plan.runs[0]!.runId;
  const review = await waitFor(() => peer.commands.find((c) => c.runId === runId && c.stage === 'review'), { timeoutMs: 20_000, description: 'review command' });
  expect(review.parameters.extra).toMatchObject({
    [K.command]: 'mvn -B test',
    [K.passed]: '12',
    [K.failed]: '0',
    [K.skipped]: '1',
    [K.durationMs]: '4200',
    [K.environmentId]: 'env-7',
    [K.url]: 'http://test-env/api/environments/env-7/logs/test',
  });
  const earlier = peer.commands.filter((c) => c.runId === runId && ['change', 'test-deploy', 'test-verify'].includes(c.stage));
  expect(earlier.flatMap((c) => Object.keys(c.parameters.extra).filter((k) => k.startsWith('change.testResults.')))).toEqual([]);
  const merge = await waitFor(() => peer.commands.find((c) => c.runId === runId && c.stage === 'merge'), { description: 'merge command' });
  expect(merge.parameters.extra[K.passed]).toBe('12');
});
