import type { ServiceName } from '@shipshape/contracts';
import type { Logger, Telemetry } from '@shipshape/telemetry';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { BaseConfig } from './config/base-config.schema';
import type { ServiceDatabase } from './database/database-url';

/** Everything a booted service shares: the extension point for messaging (transport, outbox relay) and features. */
export interface ServiceContext<TConfig extends BaseConfig = BaseConfig> {
  readonly service: ServiceName;
  readonly config: TConfig;
  readonly database: ServiceDatabase;
  /** Initialised, migrations applied. */
  readonly dataSource: DataSource;
  /** Not connected by itself; /health keeps one admin connection to it. */
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
}

/** Internal bookkeeping for shutdown. */
export interface KitRuntime {
  /** False when telemetry was already running in this process (then its starter shuts it down). */
  readonly ownsTelemetry: boolean;
}
