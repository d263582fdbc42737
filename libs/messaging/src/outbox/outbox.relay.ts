import { context, propagation, SpanKind, trace, type Context } from '@opentelemetry/api';
import { Client, type ClientConfig } from 'pg';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { HEADERS } from '../headers';
import { SILENT_LOGGER, type MessagingLogger } from '../kafka/kafka-client';
import { countPublished, recordOutboxBacklog } from '../metrics';
import { OUTBOX_CHANNEL } from './outbox.writer';

export interface OutboxRelayOptions {
  /** Dedicated connections: the relay holds the leader lock and LISTENs on one, marks rows published on a second. */
  readonly database: ClientConfig;
  readonly kafka: Kafka;
  readonly logger?: MessagingLogger;
  /** Rows per produce request (default 1000). With a backlog, the next batch is read while this one is in flight. */
  readonly batchSize?: number;
  /** Poll interval when idle; NOTIFY wakes the relay earlier. */
  readonly pollIntervalMs?: number;
  /** Published rows older than this are deleted. */
  readonly retainPublishedMs?: number;
  /** Called after the broker acknowledged a batch and before the rows are marked published. */
  readonly afterPublish?: (rowIds: readonly string[]) => void | Promise<void>;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string | null;
  message_id: string;
  event_type: string;
  payload: Buffer;
  headers: Record<string, string>;
  traceparent: string | null;
  tracestate: string | null;
}

/** Distinct from any lock another part of the system takes: "shipshape outbox relay". */
const LEADER_LOCK = 0x5348_4f42; // 'SHOB'
const tracer = trace.getTracer('@shipshape/messaging');

/**
 * Publishes outbox rows to Kafka in id order and marks them published after the broker acknowledged
 * them (acks = all). One relay per database is active at a time (session advisory lock), so several
 * replicas of a service can run relays safely. A crash between the broker's ack and the mark
 * re-publishes the same rows with the same message ids; consumers' inboxes drop the copies.
 *
 * Pipelined, one produce request at a time: while the broker works on batch k, the relay reads batch
 * k+1 (unpublished rows other than those in flight or being marked), and batch k is marked on a
 * second connection while k+1 is sent. Per-key order holds because the writer gives each key's rows
 * ids in commit order (so the visible rows of a key are always a prefix of them in id order), batch
 * k+1 is sent only after the broker acknowledged batch k, and a failure drops everything read ahead.
 */
export class OutboxRelay {
  private readonly logger: MessagingLogger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retainPublishedMs: number;
  private client: Client | null = null;
  /** Marks rows published, so the next batch is read and sent while the previous one is being marked. */
  private markClient: Client | null = null;
  /** Ids the broker acknowledged whose mark has not committed yet: never read again meanwhile. */
  private readonly marking = new Set<string>();
  /** The marks in commit order (one at a time); a failure is thrown by the next batch. */
  private marks: Promise<void> = Promise.resolve();
  private markError: unknown = null;
  /** The next batch, read while the broker works on the current one (only when there is a backlog). */
  private prefetched: Promise<OutboxRow[]> | null = null;
  private producer: Producer | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private notified = false;
  private leader = false;
  private lastMaintenance = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = options.logger ?? SILENT_LOGGER;
    this.batchSize = options.batchSize ?? 1000;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.retainPublishedMs = options.retainPublishedMs ?? 24 * 60 * 60 * 1000;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.producer = this.options.kafka.producer({
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    // Connecting happens in the loop, with backoff: a broker that is down delays publishing, not boot.
    this.loop = this.run();
  }

  /** Finishes the batch in flight (publish and mark), then releases the lock and connections. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    let producerConnected = false;
    while (this.running) {
      try {
        if (!producerConnected) {
          await this.producer!.connect();
          producerConnected = true;
        }
        if (!this.client) await this.connect();
        if (!this.leader) {
          this.leader = await this.tryLock();
          if (!this.leader) {
            await this.sleep(2000);
            continue;
          }
          this.logger.info({ lock: LEADER_LOCK }, 'outbox relay is leader');
        }
        const published = await this.publishBatch();
        await this.maintain();
        backoffMs = 100;
        if (published < this.batchSize) await this.sleep(this.pollIntervalMs);
      } catch (error) {
        this.logger.error({ err: error, backoffMs }, 'outbox relay failed; retrying');
        await this.disconnect();
        // A notification that came before the failure must not cut the backoff short (a hot loop
        // against a database that is down); stop() still wakes the sleep.
        this.notified = false;
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    const client = new Client(this.options.database);
    client.on('error', (error) => this.logger.warn({ err: error }, 'outbox relay connection error'));
    client.on('notification', () => {
      this.notified = true;
      this.wake?.();
    });
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.client = client;
    const markClient = new Client(this.options.database);
    markClient.on('error', (error) => this.logger.warn({ err: error }, 'outbox relay connection error'));
    this.markClient = markClient;
    await markClient.connect();
  }

  /** Waits for the marks in flight (the leader lock is held until they commit), then closes both connections. */
  private async disconnect(): Promise<void> {
    const prefetched = this.prefetched;
    this.prefetched = null;
    await prefetched?.catch(() => undefined);
    await this.marks;
    this.marking.clear();
    this.markError = null;
    const client = this.client;
    const markClient = this.markClient;
    this.client = null;
    this.markClient = null;
    this.leader = false;
    if (markClient) await markClient.end().catch(() => undefined);
    if (client) await client.end().catch(() => undefined);
  }

  private async tryLock(): Promise<boolean> {
    const { rows } = await this.client!.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LEADER_LOCK]);
    return rows[0]?.locked === true;
  }

  /** Publishes up to one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    if (this.markError !== null) throw this.markError;
    this.notified = false;
    const rows = await (this.prefetched ?? this.fetch());
    this.prefetched = null;
    if (rows.length === 0) return 0;

    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push(this.toMessage(row));
      byTopic.set(row.topic, messages);
    }
    const ids = rows.map((r) => r.id);
    const sent = this.producer!.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    if (rows.length === this.batchSize) {
      // A backlog: read the next batch now. It is sent only after this one was acknowledged.
      this.prefetched = this.fetch(ids);
      this.prefetched.catch(() => undefined); // a failure surfaces when it is awaited (or dropped by disconnect)
    }
    await sent;
    await this.options.afterPublish?.(ids);
    this.mark(ids);
    countPublished(rows.length);
    // Back-pressure: at most two batches waiting for their mark.
    if (this.marking.size > 2 * this.batchSize) await this.marks;
    return rows.length;
  }

  /** The oldest unpublished rows, leaving out `also` and the rows being marked. */
  private async fetch(also: readonly string[] = []): Promise<OutboxRow[]> {
    const skip = [...this.marking, ...also];
    const { rows } = await this.client!.query<OutboxRow>(
      `SELECT id, topic, message_key, message_id, event_type, payload, headers, traceparent, tracestate
         FROM messaging_outbox WHERE published_at IS NULL AND id <> ALL($2::bigint[]) ORDER BY id LIMIT $1`,
      [this.batchSize, skip],
    );
    return rows;
  }

  private mark(ids: readonly string[]): void {
    for (const id of ids) this.marking.add(id);
    const client = this.markClient!;
    this.marks = this.marks.then(async () => {
      if (this.markError !== null) return; // the relay reconnects; these rows are published again, inboxes drop the copies
      try {
        await client.query('UPDATE messaging_outbox SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])', [ids]);
        for (const id of ids) this.marking.delete(id);
      } catch (error) {
        this.markError = error;
      }
    });
  }

  private toMessage(row: OutboxRow): Message {
    const headers: Record<string, string> = {
      ...row.headers,
      [HEADERS.messageId]: row.message_id,
      [HEADERS.eventType]: row.event_type,
    };
    if (row.traceparent) {
      // Continue the trace of the transaction that wrote the row: a short producer span under it.
      const carrier: Record<string, string> = { traceparent: row.traceparent };
      if (row.tracestate) carrier.tracestate = row.tracestate;
      const parent: Context = propagation.extract(context.active(), carrier);
      const span = tracer.startSpan(`publish ${row.topic}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': row.topic, 'messaging.message.id': row.message_id } }, parent);
      propagation.inject(trace.setSpan(parent, span), headers);
      span.end();
    }
    return { key: row.message_key, value: row.payload.length === 0 ? null : row.payload, headers };
  }

  private async maintain(): Promise<void> {
    const now = Date.now();
    if (now - this.lastMaintenance < 5000) return;
    this.lastMaintenance = now;
    const client = this.client!;
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM messaging_outbox WHERE published_at IS NULL');
    recordOutboxBacklog(Number(rows[0]?.n ?? 0));
    await client.query(`DELETE FROM messaging_outbox WHERE published_at < clock_timestamp() - ($1::bigint * interval '1 millisecond')`, [
      this.retainPublishedMs,
    ]);
  }

  private sleep(ms: number): Promise<void> {
    if (this.notified || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
