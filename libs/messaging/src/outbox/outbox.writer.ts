import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import type { EntityManager } from 'typeorm';
import { encodeWith, type EventCodec } from '../codec';

export const OUTBOX_CHANNEL = 'shipshape_outbox';

/** How the outbox stores a tombstone: an empty payload, which the relay publishes as a null value. */
export const TOMBSTONE_PAYLOAD = Buffer.alloc(0);

export interface OutboxMessage {
  readonly topic: string;
  /** Kafka key; messages with the same key are published in commit order (e.g. the run id). */
  readonly key: string | null;
  readonly eventType: string;
  readonly value: unknown;
  /**
   * Publish a tombstone instead (null value; `value` is not encoded): on a compacted topic it deletes `key` once
   * compaction runs. `eventType` still goes in the header, naming what it deletes. Inbox consumers skip tombstones.
   */
  readonly tombstone?: boolean;
  /** Idempotency id the consumer's inbox dedupes on. Step commands use the step id; default a UUID. */
  readonly messageId?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface OutboxWriteOptions {
  /**
   * Take this one advisory lock instead of one per message key (a transaction holds a few thousand locks at most:
   * Postgres' lock table is max_locks_per_transaction × max_connections). Commit order is then kept per key only if
   * every writer of those keys takes the same lock, e.g. all writers of one topic; use it for bulk writes.
   */
  readonly orderingLock?: string;
}

/** Something that can run SQL inside the caller's transaction (a TypeORM EntityManager or QueryRunner). */
export type SqlExecutor = Pick<EntityManager, 'query'>;

/**
 * Writes events into the transactional outbox, inside the caller's transaction: the business change
 * and its events commit together or not at all. The relay publishes them after commit.
 *
 * Rows of one key get their ids under a transaction-scoped advisory lock on the key, so for every key
 * id order equals commit order and the relay, reading in id order, publishes in commit order.
 */
export class OutboxWriter {
  constructor(private readonly codec: EventCodec) {}

  async add(tx: SqlExecutor, message: OutboxMessage, options: OutboxWriteOptions = {}): Promise<string> {
    const [id] = await this.addMany(tx, [message], options);
    return id as string;
  }

  async addMany(tx: SqlExecutor, messages: readonly OutboxMessage[], options: OutboxWriteOptions = {}): Promise<string[]> {
    if (messages.length === 0) return [];
    // Encode first: an invalid event fails the caller's transaction before anything is written.
    // A tombstone is stored as an empty payload (no Avro message is empty) and published with a null value.
    const payloads = messages.map((m) => (m.tombstone ? TOMBSTONE_PAYLOAD : encodeWith(this.codec, m.eventType, m.value)));
    const trace: Record<string, string> = {};
    propagation.inject(context.active(), trace);
    const ids = messages.map((m) => m.messageId ?? randomUUID());

    const keys = options.orderingLock !== undefined ? [options.orderingLock] : [...new Set(messages.map((m) => m.key).filter((k): k is string => k !== null))];
    await tx.query(
      `SELECT pg_advisory_xact_lock(h)
         FROM (SELECT DISTINCT hashtextextended(k, 7) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS locks`,
      [keys],
    );
    await tx.query(
      `INSERT INTO messaging_outbox (topic, message_key, message_id, event_type, payload, headers, traceparent, tracestate)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[], $7::text[], $8::text[])`,
      [
        messages.map((m) => m.topic),
        messages.map((m) => m.key),
        ids,
        messages.map((m) => m.eventType),
        payloads,
        messages.map((m) => JSON.stringify(m.headers ?? {})),
        messages.map(() => trace.traceparent ?? null),
        messages.map(() => trace.tracestate ?? null),
      ],
    );
    await tx.query(`SELECT pg_notify($1, '')`, [OUTBOX_CHANNEL]);
    return ids;
  }
}
