import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AvroCodec, EVENT_SAMPLES, EVENT_TYPES, TEST_RESULT_EXTRA_KEYS, TOPICS, type StepCommand, type StepResult } from '@shipshape/contracts';
import { HEADERS } from '@shipshape/messaging';
import { startServiceApp, type RunningServiceApp } from '@shipshape/service-kit';
import { createTestDatabase, createTopics, deleteTopics, getTestInfra, uniqueTopic, waitFor, type TestDatabase } from '@shipshape/testkit';
import { Kafka, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../git/git-runner';
import { commitToBare, createBareRepo } from '../git/seed-repo';
import type { MergeRequest } from '../merge-requests/merge-request.provider';
import { CHANGE_SERVICE_SERVICE } from '../service';
import { findStep } from './change-step.store';

const codec = AvroCodec.fromContracts();
const fixture = resolve(__dirname, '../recipes/maven/__fixtures__/multi-module');
const runId = `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const commandTopic = uniqueTopic('change-steps-test');

let root: string;
let db: TestDatabase;
let app: RunningServiceApp;
let kafka: Kafka;
let producer: Producer;
let consumer: Consumer;
const results: StepResult[] = [];

function command(over: Partial<StepCommand> & { stepId: string }, repo: string): StepCommand {
  const base = EVENT_SAMPLES.StepCommand;
  return {
    ...base,
    eventId: `evt-${over.stepId}`,
    runId,
    taskId: 'rpc-2.0',
    issuedAt: Date.now(),
    deadline: Date.now() + 600_000,
    application: { ...base.application, name: 'billing', repositoryUrl: `file://${repo}` },
    rules: [{ recipe: 'maven', optionsJson: JSON.stringify({ groupId: 'com.acme.rpc', artifactId: 'rpc-client', toVersion: '2.0.0' }) }],
    parameters: { ...base.parameters, change: { ...base.parameters.change!, branchName: '', commitMessage: 'Upgrade com.acme.rpc:rpc-client to 2.0.0' } },
    ...over,
  };
}

async function send(cmd: StepCommand): Promise<void> {
  await producer.send({
    topic: commandTopic,
    messages: [{ key: cmd.runId, value: codec.encode('StepCommand', cmd), headers: { [HEADERS.messageId]: cmd.stepId, [HEADERS.eventType]: EVENT_TYPES.stepCommand } }],
  });
}

const resultFor = (stepId: string) => waitFor(() => results.find((r) => r.stepId === stepId && r.outcome !== 'PROGRESS'), { timeoutMs: 30_000, description: `StepResult of ${stepId}` });

beforeAll(async () => {
  const infra = await getTestInfra();
  root = mkdtempSync(join(tmpdir(), 'shipshape-change-int-'));
  await createTopics(infra.kafkaBrokers, [commandTopic]);
  db = await createTestDatabase('change_steps', { create: false });
  app = await startServiceApp({
    ...CHANGE_SERVICE_SERVICE,
    env: {
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: db.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      LOG_LEVEL: 'warn',
      CHANGE_GIT_CACHE_DIR: join(root, 'mirrors'),
      CHANGE_WORK_DIR: join(root, 'work'),
      CHANGE_GIT_AUTHOR_NAME: 'Shipshape Bot',
      CHANGE_GIT_AUTHOR_EMAIL: 'bot@example.com',
      CHANGE_WORKER_POLL_MS: '50',
    },
    port: 0,
    host: '127.0.0.1',
    messaging: { consumes: [commandTopic], groupId: `change-test-${runId}` },
  });
  kafka = new Kafka({ clientId: 'change-step-test', brokers: infra.kafkaBrokers.split(','), logLevel: 0 });
  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: `change-results-${runId}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.stepResults, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.key?.toString().startsWith(runId) || !message.value) return;
      results.push(codec.decodeAs(message.value, 'StepResult').value);
    },
  });
}, 120_000);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await app?.app.close();
  await db?.drop();
  const infra = await getTestInfra();
  await deleteTopics(infra.kafkaBrokers, [commandTopic]).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
});

describe('change stage over Kafka', () => {
  it('applies the rules on a branch, pushes it, and reports SUCCEEDED with the branch acquired; a repeated command makes no second commit', async () => {
    const repo = join(root, 'remotes', 'billing.git');
    await createBareRepo(repo, { fromDir: fixture });
    const cmd = command({ stepId: `${runId}:change:1` }, repo);
    await send(cmd);
    const result = await resultFor(cmd.stepId);

    expect(result).toMatchObject({ outcome: 'SUCCEEDED', service: 'change-service', stage: 'change', errorClass: null });
    expect(result.acquired).toEqual([
      { kind: 'branch', id: 'billing:shipshape/rpc-2.0/billing', attributes: expect.objectContaining({ branch: 'shipshape/rpc-2.0/billing', repositoryUrl: `file://${repo}` }) },
    ]);
    const diff = await git(['diff', '--unified=0', 'main', 'shipshape/rpc-2.0/billing'], { cwd: repo });
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-        <rpc.version>1.8.2</rpc.version> <!-- keep in sync with platform -->',
      '+        <rpc.version>2.0.0</rpc.version> <!-- keep in sync with platform -->',
    ]);
    expect(await git(['log', '-1', '--format=%an|%s', 'shipshape/rpc-2.0/billing'], { cwd: repo })).toBe('Shipshape Bot|Upgrade com.acme.rpc:rpc-client to 2.0.0\n');
    expect(await git(['log', '-1', '--format=%b', 'shipshape/rpc-2.0/billing'], { cwd: repo })).toContain(
      `Shipshape task rpc-2.0 (run ${runId}) upgrades maven com.example:rpc-client >=1.0 <2.0 -> 2.0.0 across the fleet.`,
    );

    // the same command again (same step id, new Kafka message): no new step, no new commit, no second result
    await send({ ...cmd, eventId: 'evt-again' });
    await send(command({ stepId: `${runId}:probe` }, join(root, 'remotes', 'missing.git')));
    await resultFor(`${runId}:probe`); // the probe was consumed after the repeat, so the repeat was handled
    expect(results.filter((r) => r.stepId === cmd.stepId).map((r) => r.outcome)).toEqual(['PROGRESS', 'SUCCEEDED']);
    expect(results.find((r) => r.stepId === cmd.stepId)?.progress).toEqual(expect.objectContaining({ phase: 'running', message: 'change started (execution 1)' }));
    expect((await findStep(app.context.dataSource, cmd.stepId))?.executions).toBe(1);
    expect((await git(['rev-list', '--count', 'shipshape/rpc-2.0/billing'], { cwd: repo })).trim()).toBe('2');
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^shipshape_change_steps_total\{stage="change",outcome="SUCCEEDED",error_class="none",[^}]*\} 1$/m);
  });

  it('a step whose deadline passed before it ran fails with TIMEOUT and touches nothing', async () => {
    const repo = join(root, 'remotes', 'late.git');
    await createBareRepo(repo, { fromDir: fixture });
    const late = command({ stepId: `${runId}:late`, deadline: Date.now() - 1000, application: { ...EVENT_SAMPLES.StepCommand.application, name: 'late', repositoryUrl: `file://${repo}` } }, repo);
    await send(late);
    expect(await resultFor(late.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'TIMEOUT' });
    expect((await git(['branch', '--list', 'shipshape/*'], { cwd: repo })).trim()).toBe('');
  });

  it('ends NOT_APPLICABLE with no branch left when the application does not use the component, and INVALID_INPUT naming file and line', async () => {
    const repo = join(root, 'remotes', 'web.git');
    await createBareRepo(repo, { files: { 'package.json': '{\n  "name": "web",\n  "dependencies": { "express": "^4.18.2" }\n}\n', 'pom.xml': '<project>\n  <dependencies>\n</project>\n' } });
    const na = command({ stepId: `${runId}:na`, application: { ...EVENT_SAMPLES.StepCommand.application, name: 'web', repositoryUrl: `file://${repo}` }, rules: [{ recipe: 'npm', optionsJson: '{"packageName":"left-pad","toVersion":"1.3.0"}' }] }, repo);
    const bad = command({ stepId: `${runId}:bad`, application: { ...EVENT_SAMPLES.StepCommand.application, name: 'web', repositoryUrl: `file://${repo}` } }, repo);
    await send(na);
    await send(bad);
    expect(await resultFor(na.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'NOT_APPLICABLE' });
    expect(await resultFor(bad.stepId)).toMatchObject({ outcome: 'FAILED', errorClass: 'INVALID_INPUT', message: expect.stringContaining('pom.xml:3: closing tag </project> does not match <dependencies>') });
    expect((await git(['branch', '--list', 'shipshape/*'], { cwd: repo })).trim()).toBe('');
  });
  it('pushes nothing when the recipe skipped the component (version range) even though another rule edited code', async () => {
    const repo = join(root, 'remotes', 'ranged.git');
    const pom = '<project>\n  <dependencies>\n    <dependency>\n      <groupId>com.acme.rpc</groupId>\n      <artifactId>rpc-client</artifactId>\n      <version>[1.4,2.0)</version>\n    </dependency>\n  </dependencies>\n</project>\n';
    const java = 'package app;\n\nimport com.acme.rpc.v1.RpcClient;\n\nclass Backend {}\n';
    await createBareRepo(repo, { files: { 'pom.xml': pom, 'src/main/java/app/Backend.java': java } });
    const cmd = command(
      {
        stepId: `${runId}:ranged`,
        application: { ...EVENT_SAMPLES.StepCommand.application, name: 'ranged', repositoryUrl: `file://${repo}` },
        componentChange: { ...EVENT_SAMPLES.StepCommand.componentChange, kind: 'COMPONENT', ecosystem: 'maven', coordinates: 'com.acme.rpc:rpc-client', toVersion: '2.0.0' },
        rules: [
          { recipe: 'maven', optionsJson: JSON.stringify({ groupId: 'com.acme.rpc', artifactId: 'rpc-client', toVersion: '2.0.0' }) },
          { recipe: 'java', optionsJson: JSON.stringify({ renames: [{ from: 'com.acme.rpc.v1', to: 'com.acme.rpc.v2' }] }) },
        ],
      },
      repo,
    );
    await send(cmd);
    const result = await resultFor(cmd.stepId);
    expect(result).toMatchObject({ outcome: 'FAILED', errorClass: 'DEPENDENCY_RESOLUTION', details: { skipReason: 'version-range', file: 'pom.xml' }, acquired: [] });
    expect(result.message).toContain('skipped com.acme.rpc:rpc-client at pom.xml');
    expect((await git(['branch', '--list', 'shipshape/*'], { cwd: repo })).trim()).toBe('');
  });
});

describe('review, merge and branch release over Kafka', () => {
  const app1 = { ...EVENT_SAMPLES.StepCommand.application };
  let n = 0;
  async function step(repo: string, name: string, stage: string, over: Partial<StepCommand> = {}): Promise<StepResult> {
    const base = command({ stepId: `${runId}:${name}:${stage}:${++n}` }, repo);
    const cmd: StepCommand = { ...base, runId: `${runId}-${name}`, stage, application: { ...app1, name, repositoryUrl: `file://${repo}` }, ...over };
    await send(cmd);
    return resultFor(cmd.stepId);
  }
  const resources = (...rs: StepResult['acquired'][]) => rs.flat().map((r) => ({ kind: r.kind, id: r.id, attributes: r.attributes }));
  const params = (over: Partial<NonNullable<StepCommand['parameters']['change']>>) => ({
    ...EVENT_SAMPLES.StepCommand.parameters,
    change: { ...EVENT_SAMPLES.StepCommand.parameters.change!, branchName: '', commitMessage: 'Upgrade com.acme.rpc:rpc-client to 2.0.0', ...over },
  });
  const pomOnMain = (repo: string) => git(['show', 'main:pom.xml'], { cwd: repo });

  it('change → review (merge request with report and diff) → merge after the default branch moved (rebase) → repeat → branch release', async () => {
    const repo = join(root, 'remotes', 'ledger.git');
    await createBareRepo(repo, { fromDir: fixture });
    const change = await step(repo, 'ledger', 'change');
    expect(change.outcome).toBe('SUCCEEDED');
    await commitToBare(repo, 'main', { 'README.md': '# ledger\n' }, 'docs: readme');

    // task-manager passes the run's test-verify results (TEST_RESULT_EXTRA_KEYS) for the description.
    const testResults = {
      [TEST_RESULT_EXTRA_KEYS.command]: 'mvn -B test',
      [TEST_RESULT_EXTRA_KEYS.passed]: '12',
      [TEST_RESULT_EXTRA_KEYS.failed]: '0',
      [TEST_RESULT_EXTRA_KEYS.skipped]: '1',
      [TEST_RESULT_EXTRA_KEYS.durationMs]: '4200',
      [TEST_RESULT_EXTRA_KEYS.environmentId]: 'env-7',
      [TEST_RESULT_EXTRA_KEYS.url]: 'http://test-env/api/environments/env-7/logs/test',
    };
    const review = await step(repo, 'ledger', 'review', {
      resources: resources(change.acquired),
      parameters: { ...params({ mergeRequestTitle: 'Upgrade rpc-client to 2.0.0' }), extra: testResults },
    });
    expect(review).toMatchObject({ outcome: 'SUCCEEDED', links: [{ label: 'merge request', url: expect.stringMatching(/\/merge-requests\/mr-[0-9a-f]{12}$/) }] });
    const mrId = review.acquired.find((r) => r.kind === 'merge-request')!.id;
    const mr = (await (await fetch(`${app.url}/merge-requests/${mrId}`)).json()) as MergeRequest;
    expect(mr).toMatchObject({ status: 'open', title: 'Upgrade rpc-client to 2.0.0', approvals: [], sourceBranch: 'shipshape/rpc-2.0/ledger', targetBranch: 'main' });
    expect(mr.description).toContain('| pom.xml | com.acme.rpc:rpc-client | updated | 1.8.2 | 2.0.0 | dependencyManagement via property rpc.version |');
    expect(mr.diff).toContain('+        <rpc.version>2.0.0</rpc.version>');
    expect(mr.description).toContain('## Test results\n| command | passed | failed | skipped | duration | test environment |');
    expect(mr.description).toContain('| `mvn -B test` | 12 | 0 | 1 | 4.2 s | env-7 |');
    expect(mr.description).toContain('[Test log](http://test-env/api/environments/env-7/logs/test)');

    const merge = await step(repo, 'ledger', 'merge', { parameters: params({ mergeRequestId: mrId }) });
    expect(merge).toMatchObject({ outcome: 'SUCCEEDED', details: expect.objectContaining({ how: 'rebased' }) });
    expect(await pomOnMain(repo)).toContain('<rpc.version>2.0.0</rpc.version>');
    expect(await git(['show', 'main:README.md'], { cwd: repo })).toBe('# ledger\n');
    const merged = (await (await fetch(`${app.url}/merge-requests/${mrId}`)).json()) as MergeRequest;
    expect(merged).toMatchObject({ status: 'merged', mergedCommit: merge.details.mergedCommit, approvals: [expect.objectContaining({ by: 'task-manager', via: 'manual' })] });

    const again = await step(repo, 'ledger', 'merge', { attempt: 2, parameters: params({ mergeRequestId: mrId }) });
    expect(again).toMatchObject({ outcome: 'SUCCEEDED', details: expect.objectContaining({ how: 'already merged', mergedCommit: merge.details.mergedCommit }) });

    const release = await step(repo, 'ledger', 'branch-release', { resources: resources(change.acquired, review.acquired) });
    expect(release).toMatchObject({ outcome: 'SUCCEEDED', released: [expect.objectContaining({ kind: 'merge-request' }), expect.objectContaining({ kind: 'branch' })] });
    expect((await git(['branch', '--list', 'shipshape/*'], { cwd: repo })).trim()).toBe('');
    expect(((await (await fetch(`${app.url}/merge-requests/${mrId}`)).json()) as MergeRequest).status).toBe('merged');
  });

  it('re-applies the recipe when the rebase conflicts; an unresolved conflict is MERGE_CONFLICT and release closes the merge request', async () => {
    const repo = join(root, 'remotes', 'payments.git');
    await createBareRepo(repo, { fromDir: fixture });
    const pom = await pomOnMain(repo);
    const change = await step(repo, 'payments', 'change', { parameters: { ...params({}), extra: { commitAuthorName: 'Payments Platform', commitAuthorEmail: 'platform@payments.example' } } });
    expect(await git(['log', '-1', '--format=%an <%ae>', 'shipshape/rpc-2.0/payments'], { cwd: repo })).toBe('Payments Platform <platform@payments.example>\n');
    await commitToBare(repo, 'main', { 'pom.xml': pom.replace('<rpc.version>1.8.2</rpc.version> <!-- keep in sync with platform -->', '<rpc.version>1.9.0</rpc.version> <!-- bumped by hand -->') }, 'bump rpc by hand');
    const review = await step(repo, 'payments', 'review', { resources: resources(change.acquired), parameters: params({ autoMerge: true }) });
    expect(review.message).toContain('approved');
    const mrId = review.acquired[0]!.id;
    const merge = await step(repo, 'payments', 'merge', { parameters: params({ mergeRequestId: mrId, autoMerge: true }) });
    expect(merge).toMatchObject({ outcome: 'SUCCEEDED', details: expect.objectContaining({ how: 're-applied the recipe' }) });
    expect(await pomOnMain(repo)).toContain('<rpc.version>2.0.0</rpc.version> <!-- bumped by hand -->');

    // a second application whose default branch moves past the target: nothing left to re-apply
    const repo2 = join(root, 'remotes', 'fx.git');
    await createBareRepo(repo2, { fromDir: fixture });
    const change2 = await step(repo2, 'fx', 'change');
    await commitToBare(repo2, 'main', { 'pom.xml': pom.replace('<rpc.version>1.8.2</rpc.version>', '<rpc.version>3.0.0</rpc.version>') }, 'rpc 3');
    const review2 = await step(repo2, 'fx', 'review', { resources: resources(change2.acquired) });
    const mr2 = review2.acquired[0]!.id;
    const conflict = await step(repo2, 'fx', 'merge', { parameters: params({ mergeRequestId: mr2 }) });
    expect(conflict).toMatchObject({ outcome: 'FAILED', errorClass: 'MERGE_CONFLICT' });
    expect(await pomOnMain(repo2)).toContain('<rpc.version>3.0.0</rpc.version>');
    const release = await step(repo2, 'fx', 'branch-release', { resources: resources(change2.acquired, review2.acquired) });
    expect(release.outcome).toBe('SUCCEEDED');
    expect(((await (await fetch(`${app.url}/merge-requests/${mr2}`)).json()) as MergeRequest).status).toBe('closed');
    expect((await git(['branch', '--list', 'shipshape/*'], { cwd: repo2 })).trim()).toBe('');
  });
});
