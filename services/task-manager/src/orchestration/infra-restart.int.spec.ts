/**
 * Durability under infrastructure restarts: task-manager keeps running while its broker is killed
 * and restarted and while its database is shut down and restarted, mid-campaign. The shared stack is
 * never touched: the test starts a private Kafka broker and a private Postgres server of its own
 * (testkit startPrivateKafka / startPrivatePostgres) and restarts those.
 */
import { createHash } from 'node:crypto';
import type { RunEvent, StepCommand, StepResultInput } from '@shipshape/contracts';
import type { RunningServiceApp } from '@shipshape/service-kit';
import { createTopics, startPrivateKafka, startPrivatePostgres, waitFor, type PrivateKafka, type PrivatePostgres, type TestDatabase } from '@shipshape/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALWAYS_SUCCEED, COMPONENT_TASK, TestPeer, api, bootTaskManager, createTestDatabase, createTestTopics, fleet, sql } from '../../test/task-manager.harness';

const PIPELINE = ['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect'];
const RUNS = 12;

/** A result id deterministic from the step id, as a real service's is: answering a redelivered command again is a no-op. */
function resultId(stepId: string): string {
  const h = createHash('sha256').update(stepId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const answer = (c: StepCommand): StepResultInput[] => ALWAYS_SUCCEED(c).map((r) => ({ ...r, eventId: resultId(c.stepId) }));

let kafka: PrivateKafka | null = null;
let postgres: PrivatePostgres | null = null;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [kafka, postgres] = await Promise.all([startPrivateKafka(), startPrivatePostgres()]);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await Promise.all([kafka?.destroy(), postgres?.destroy()]);
});

describe('durability under infrastructure restarts', () => {
  it('survives a broker restart and a database restart mid-campaign: runs finish, no step dispatched twice, no result applied twice', async () => {
    const broker = kafka!;
    const database = postgres!;
    const db: TestDatabase = await createTestDatabase('tm_infra', { serverUrl: database.url, create: false });
    const topics = await createTestTopics('tm-infra', 3, broker.brokers);
    await createTopics(broker.brokers, [`${topics.results}.dlq`]); // so a dead-lettered result really leaves
    const peer = new TestPeer(topics, { brokers: broker.brokers });
    cleanups.push(() => peer.stop());
    await peer.start();

    // The peer holds one stage at a time; the held results are released just before a restart, so
    // task-manager is consuming them and publishing the next commands while its infrastructure goes away.
    let holdStage: string | null = 'review';
    const held = new Map<string, StepCommand>();
    peer.behaviour = (c) => {
      if (c.stage === holdStage) {
        held.set(c.stepId, c);
        return [];
      }
      return answer(c);
    };
    const releaseHeld = async (): Promise<void> => {
      const commands = [...held.values()];
      held.clear();
      holdStage = null;
      await peer.send(commands.flatMap(answer));
    };

    const app: RunningServiceApp = await bootTaskManager(db, topics, { DATABASE_URL: database.url, KAFKA_BROKERS: broker.brokers });
    cleanups.push(() => app.app.close());
    expect((await api(app.url, 'POST', '/api/applications/import', fleet(RUNS, 4))).status).toBe(200);
    const created = await api<{ task: { id: string }; plan: { runs: Array<{ runId: string }> } }>(app.url, 'POST', '/api/tasks', {
      ...COMPONENT_TASK,
      selection: { teams: ['team-0', 'team-1', 'team-2', 'team-3'] },
    });
    expect(created.status).toBe(201);
    const runIds = created.body.plan.runs.map((r) => r.runId);
    expect(runIds).toHaveLength(RUNS);
    expect((await api(app.url, 'POST', `/api/tasks/${created.body.task.id}/start`)).status).toBe(200);

    // 1. The broker dies (SIGKILL) while the review results are being applied, and comes back.
    await waitFor(() => held.size === RUNS, { timeoutMs: 30_000, description: 'every run at review' });
    await releaseHeld();
    holdStage = 'release';
    await broker.stop('kill');
    await new Promise((r) => setTimeout(r, 2000));
    await broker.start();

    // 2. The database shuts down while the release results are being applied, stays down longer than
    //    the consumer's retry budget for a failing handler, and comes back.
    await waitFor(() => held.size === RUNS, { timeoutMs: 60_000, description: 'every run at release after the broker restart' });
    await releaseHeld();
    await new Promise((r) => setTimeout(r, 50));
    await database.stop();
    await new Promise((r) => setTimeout(r, 6000));
    await database.start();

    await waitFor(
      async () => {
        const [row] = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM runs WHERE status = 'succeeded'`);
        return row!.n === RUNS;
      },
      { timeoutMs: 60_000, description: 'every run succeeded after both restarts' },
    );
    // Every lifecycle event was published too (the peer reads the run-events topic).
    await waitFor(() => new Set(peer.runEvents.filter((e) => e.scope === 'RUN' && e.transition === 'SUCCEEDED').map((e) => e.runId)).size === RUNS, {
      timeoutMs: 30_000,
      description: 'RUN SUCCEEDED event of every run',
    });

    // No step dispatched twice: one command (one event id) per step id, one attempt per stage. The
    // relay may deliver a command again after a crash (same event id); that is delivery, not dispatch.
    const dispatches = new Map<string, Set<string>>();
    for (const c of peer.commands) dispatches.set(c.stepId, (dispatches.get(c.stepId) ?? new Set()).add(c.eventId));
    expect([...dispatches].filter(([, events]) => events.size > 1)).toEqual([]);
    const pipelineSteps = [...new Set(peer.commands.filter((c) => PIPELINE.includes(c.stage)).map((c) => `${c.runId}/${c.stage}/${c.attempt}`))];
    expect(pipelineSteps).toHaveLength(RUNS * PIPELINE.length);
    expect(await sql(db, `SELECT step_id FROM steps WHERE attempt > 1 OR status <> 'succeeded'`)).toEqual([]);

    // No result applied twice: each stage of each run succeeded exactly once, nothing was retried or failed.
    const events = [...new Map(peer.runEvents.map((e) => [e.eventId, e])).values()];
    for (const runId of runIds) {
      const stageEvents = events.filter((e: RunEvent) => e.runId === runId && e.scope === 'STAGE');
      expect(stageEvents.filter((e) => e.transition === 'SUCCEEDED').map((e) => e.stage).sort()).toEqual([...PIPELINE].sort());
      expect(stageEvents.filter((e) => e.transition !== 'SUCCEEDED' && e.transition !== 'STARTED')).toEqual([]);
    }
    // Every result the peer sent was applied once (inbox), none went to the dead-letter topic.
    const [inbox] = await sql<{ n: number; distinct: number }>(db, 'SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS distinct FROM messaging_inbox');
    expect(inbox!.n).toBe(dispatches.size);
    expect(inbox!.distinct).toBe(dispatches.size);
    expect(await sql(db, `SELECT run_id, kind FROM run_resources WHERE status <> 'released'`)).toEqual([]);
    // A database outage is not a poison message: the consumer waits for the database, it dead-letters nothing.
    const admin = new Kafka({ clientId: 'tm-infra-admin', brokers: [broker.brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const dlq = await admin.fetchTopicOffsets(`${topics.results}.dlq`).finally(() => admin.disconnect());
    expect(dlq.map((p) => p.high)).toEqual(['0']);
  }, 150_000);
});
