import { Inject, Injectable } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { ServiceContext } from '../service-context';
import { SERVICE_CONTEXT } from '../tokens';
import { withTimeout } from './with-timeout';

export type CheckStatus = 'ok' | 'error';

export interface CheckResult {
  readonly status: CheckStatus;
  readonly latency_ms: number;
  readonly error?: string;
}

export interface ReadinessReport {
  readonly status: CheckStatus;
  readonly service: string;
  readonly checks: { readonly postgres: CheckResult; readonly kafka: CheckResult };
}

/** Each dependency check gives up after this long, so a probe answers within ~2 s. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

/** One admin connection, kept across probes. */
interface AdminSlot {
  readonly admin: Admin;
  ready: Promise<void>;
  connected: boolean;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function timed(check: () => Promise<unknown>): Promise<CheckResult> {
  const started = performance.now();
  try {
    await check();
    return { status: 'ok', latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'error', latency_ms: Math.round(performance.now() - started), error: message(err) };
  }
}

/** Readiness: `SELECT 1` on the service database and a metadata round trip to Kafka over one cached admin connection. */
@Injectable()
export class HealthService {
  private slot: AdminSlot | undefined;

  constructor(@Inject(SERVICE_CONTEXT) private readonly context: ServiceContext) {}

  async readiness(): Promise<ReadinessReport> {
    const [postgres, kafka] = await Promise.all([timed(() => this.pingPostgres()), timed(() => this.pingKafka())]);
    const status = postgres.status === 'ok' && kafka.status === 'ok' ? 'ok' : 'error';
    if (status !== 'ok') this.context.logger.warn({ checks: { postgres, kafka } }, 'readiness check failed');
    return { status, service: this.context.service, checks: { postgres, kafka } };
  }

  /** Disconnects the cached Kafka admin. */
  async close(): Promise<void> {
    const slot = this.slot;
    this.slot = undefined;
    if (slot) await slot.admin.disconnect().catch(() => undefined);
  }

  private async pingPostgres(): Promise<void> {
    const { dataSource } = this.context;
    if (!dataSource.isInitialized) throw new Error('the DataSource is not initialised');
    await withTimeout(dataSource.query('SELECT 1'), HEALTH_CHECK_TIMEOUT_MS, 'postgres');
  }

  private async pingKafka(): Promise<void> {
    const slot = this.adminSlot();
    const what = slot.connected ? 'kafka' : `kafka (connecting to ${this.context.config.KAFKA_BROKERS.join(',')})`;
    try {
      await withTimeout(
        slot.ready.then(async () => {
          const cluster = await slot.admin.describeCluster();
          if (cluster.brokers.length === 0) throw new Error('the cluster reported no brokers');
        }),
        HEALTH_CHECK_TIMEOUT_MS,
        what,
      );
    } catch (err) {
      // A connected admin that stops answering is dropped so the next probe reconnects (the broker may
      // have moved or restarted). A connect still in progress is kept: one connect attempt at a time.
      if (slot.connected && this.slot === slot) {
        this.slot = undefined;
        void slot.admin.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }

  private adminSlot(): AdminSlot {
    if (!this.slot) {
      const admin = this.context.kafka.admin();
      const slot: AdminSlot = { admin, connected: false, ready: Promise.resolve() };
      slot.ready = admin.connect().then(
        () => {
          slot.connected = true;
        },
        (err: unknown) => {
          if (this.slot === slot) this.slot = undefined;
          throw err;
        },
      );
      slot.ready.catch(() => undefined);
      this.slot = slot;
    }
    return this.slot;
  }
}
