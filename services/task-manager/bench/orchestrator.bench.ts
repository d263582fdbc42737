// npm run bench:orchestrator — BENCH_N applications (default 1000) through the default component
// pipeline on the real stack: task-manager runs as its own process (built dist/main.js) on a fresh
// database and unique topics; in-process peers answer every step command at once over Kafka.
// Prints one final JSON line.
//   transitions_per_s  pipeline stage completions (N × 7) per second, start request → last run succeeded
//   runs_per_s         N per second over the same span
//   dispatch_p50/p99   peer-side: result of stage k sent → command of stage k+1 received
//   limit_exceeded     samples (every 20 ms) where a stage had more steps in flight than its limit
//   lost / duplicated  runs that did not succeed / step ids dispatched more than once
//   relay_p50_ms       outbox commit (steps.dispatched_at) -> command received by the peer
//   consume_p50_ms     result sent by the peer -> result applied (steps.finished_at)
// BENCH_PROFILE_DIR=<dir> writes a CPU profile of the task-manager process there.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { AvroCodec, EVENT_TYPES, STEP_SERVICES, type StepCommand, type StepResultInput } from '@shipshape/contracts';
import { createTestDatabase, createTopics, deleteTopics, getClosedPort, getTestInfra } from '@shipshape/testkit';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { Client } from 'pg';

const N = Number(process.env.BENCH_N ?? 1000);
const TEAMS = 10;
const STAGES = 7;
/** Throttle the bench exercises: test environments the platform allows at once. */
const STAGE_LIMITS: Record<string, number> = { 'test-deploy': Number(process.env.BENCH_TEST_ENV_LIMIT ?? 200) };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function http(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

function acquired(c: StepCommand): StepResultInput['acquired'] {
  switch (c.stage) {
    case 'change':
      return [{ kind: 'branch', id: `${c.application.name}:${c.parameters.change?.branchName ?? ''}` }];
    case 'test-deploy':
      return [{ kind: 'test-environment', id: `env-${c.runId}` }];
    case 'review':
      return [{ kind: 'merge-request', id: `mr-${c.runId}` }];
    default:
      return [];
  }
}

async function main(): Promise<void> {
  const infra = await getTestInfra();
  const db = await createTestDatabase('bench_orchestrator', { create: false });
  const tag = randomUUID().slice(0, 8);
  const prefix = `bench.orch.${tag}.cmd.`;
  const results = `bench.orch.${tag}.results`;
  const runEvents = `bench.orch.${tag}.events`;
  const notices = `bench.orch.${tag}.notices`;
  const applications = `bench.orch.${tag}.applications`;
  const commandTopics = STEP_SERVICES.map((s) => `${prefix}${s}`);
  const allTopics = [...commandTopics, results, runEvents, notices, applications];
  await createTopics(infra.kafkaBrokers, allTopics.map((name) => ({ name, partitions: 6 })));

  const port = await getClosedPort();
  const base = `http://127.0.0.1:${port}`;
  const main = resolve(__dirname, '../dist/main.js');
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      DATABASE_URL: infra.databaseUrl,
      DATABASE_NAME: db.name,
      KAFKA_BROKERS: infra.kafkaBrokers,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      STEP_COMMANDS_TOPIC_PREFIX: prefix,
      STEP_RESULTS_TOPIC: results,
      CONSUMER_GROUP_ID: `bench-tm-${tag}`,
      RUN_EVENTS_TOPIC: runEvents,
      NOTIFICATIONS_TOPIC: notices,
      APPLICATIONS_TOPIC: applications,
      THROTTLE_STAGE_CONCURRENCY: JSON.stringify(STAGE_LIMITS),
      ORCHESTRATOR_POLL_MS: '100',
      ...(process.env.BENCH_PROFILE_DIR ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}` } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));

  const codec = AvroCodec.fromContracts();
  const kafka = new Kafka({ clientId: 'bench-peer', brokers: infra.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `bench-peer-${tag}`, maxWaitTimeInMs: 20 });
  await consumer.connect();
  await consumer.subscribe({ topics: commandTopics, fromBeginning: true });

  const seen = new Set<string>();
  let duplicated = 0;
  const answeredAt = new Map<string, number>(); // runId -> when its last pipeline result was sent
  const dispatchMs: number[] = [];
  const receivedAt = new Map<string, number>(); // stepId -> wall clock when the peer got the command
  const sentAt = new Map<string, number>(); // stepId -> wall clock when the peer sent its result
  // The partition batches of one fetch are answered together: one produce request instead of one per
  // partition (up to 42 here), so the peers cost the broker and this process little. Still at once:
  // the request leaves on the next turn of the event loop.
  type Out = { key: string; value: Buffer; headers: Record<string, string> };
  let pending: Out[] = [];
  let flush: Promise<void> | null = null;
  const sendSoon = (messages: Out[]): Promise<void> => {
    pending.push(...messages);
    flush ??= new Promise<void>((r) => setImmediate(r)).then(async () => {
      const batch = pending;
      pending = [];
      flush = null;
      await producer.send({ topic: results, messages: batch });
    });
    return flush;
  };
  await consumer.run({
    partitionsConsumedConcurrently: 6,
    eachBatch: async ({ batch }) => {
      const now = performance.now();
      const out: Out[] = [];
      const answered: string[] = [];
      for (const m of batch.messages) {
        const decoded = codec.decode(m.value!);
        if (decoded.eventType !== 'StepCommand') continue;
        const c = decoded.value;
        if (seen.has(c.stepId)) {
          duplicated++;
          continue;
        }
        seen.add(c.stepId);
        receivedAt.set(c.stepId, Date.now());
        const release = c.stage.endsWith('-release');
        if (!release) {
          const previous = answeredAt.get(c.runId);
          if (previous !== undefined) dispatchMs.push(now - previous);
        }
        const result: StepResultInput = {
          eventId: randomUUID(),
          stepId: c.stepId,
          runId: c.runId,
          taskId: c.taskId,
          stage: c.stage,
          attempt: c.attempt,
          service: 'bench-peer',
          outcome: 'SUCCEEDED',
          occurredAt: Date.now(),
          acquired: acquired(c),
          released: release ? c.resources : [],
        };
        out.push({ key: c.runId, value: codec.encodeEvent(EVENT_TYPES.stepResult, result), headers: { 'message-id': result.eventId } });
        answered.push(c.stepId);
        if (!release) answeredAt.set(c.runId, performance.now());
      }
      if (out.length > 0) await sendSoon(out);
      const sent = performance.now();
      const wall = Date.now();
      for (const id of answered) sentAt.set(id, wall);
      for (const o of out) if (answeredAt.has(o.key)) answeredAt.set(o.key, Math.min(answeredAt.get(o.key)!, sent));
    },
  });

  const pg = new Client({ connectionString: db.url });
  try {
    // Wait for task-manager to listen.
    const bootDeadline = Date.now() + 60_000;
    for (;;) {
      try {
        const res = await fetch(`${base}/health`);
        if (res.ok) break;
      } catch {
        // not yet
      }
      if (Date.now() > bootDeadline) throw new Error('task-manager did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await pg.connect();
    const fleet = Array.from({ length: N }, (_, i) => ({
      name: `bench-app-${i}`,
      team: `team-${i % TEAMS}`,
      service: `svc-${i % 25}`,
      repositoryUrl: `/repos/bench-app-${i}.git`,
    }));
    await http(base, 'POST', '/api/applications/import', fleet);
    const plan = (await http(base, 'POST', '/api/tasks', {
      kind: 'component',
      component: { ecosystem: 'maven', coordinates: 'com.example:rpc-client' },
      fromRange: '>=1.0 <2.0',
      toVersion: '2.0.0',
      selection: { teams: Array.from({ length: TEAMS }, (_, i) => `team-${i}`) },
      approval: 'automatic',
    })) as { task: { id: string } };

    let limitExceeded = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const rows = (await pg.query(`SELECT stage, count(*)::int AS n FROM steps WHERE status = 'dispatched' GROUP BY stage`)).rows as Array<{ stage: string; n: number }>;
        for (const r of rows) if (STAGE_LIMITS[r.stage] !== undefined && r.n > STAGE_LIMITS[r.stage]!) limitExceeded++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    const started = performance.now();
    await http(base, 'POST', `/api/tasks/${plan.task.id}/start`);
    const startMs = performance.now() - started;
    const deadline = Date.now() + Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);
    let succeeded = 0;
    while (Date.now() < deadline) {
      succeeded = (await pg.query(`SELECT count(*)::int AS n FROM runs WHERE status = 'succeeded'`)).rows[0].n as number;
      if (succeeded === N) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - started) / 1000;
    sampling = false;
    await sampler;
    const sorted = [...dispatchMs].sort((a, b) => a - b);
    // Where dispatch latency goes: outbox commit -> peer receipt (relay), peer send -> result applied (consumer).
    const timing = (await pg.query(`SELECT step_id, extract(epoch FROM dispatched_at) * 1000 AS d, extract(epoch FROM finished_at) * 1000 AS f FROM steps`)).rows as Array<{ step_id: string; d: number; f: number | null }>;
    const relay = timing.filter((t) => receivedAt.has(t.step_id)).map((t) => receivedAt.get(t.step_id)! - t.d).sort((a, b) => a - b);
    const consume = timing.filter((t) => t.f !== null && sentAt.has(t.step_id)).map((t) => t.f! - sentAt.get(t.step_id)!).sort((a, b) => a - b);
    const line = {
      bench: 'orchestrator',
      n: N,
      transitions_per_s: Math.round((N * STAGES) / seconds),
      runs_per_s: Math.round((N / seconds) * 10) / 10,
      dispatch_p50_ms: Math.round(percentile(sorted, 50) * 10) / 10,
      dispatch_p99_ms: Math.round(percentile(sorted, 99) * 10) / 10,
      limit_exceeded: limitExceeded,
      lost: N - succeeded,
      duplicated,
      seconds: Math.round(seconds * 100) / 100,
      start_request_ms: Math.round(startMs),
      relay_p50_ms: Math.round(percentile(relay, 50)),
      consume_p50_ms: Math.round(percentile(consume, 50)),
    };
    console.log(JSON.stringify(line));
  } finally {
    await pg.end().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    child.kill('SIGTERM');
    await exited;
    await deleteTopics(infra.kafkaBrokers, allTopics).catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
