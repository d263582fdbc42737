import type { Logger } from '@shipshape/telemetry';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** TypeORM's log calls as structured pino records: errors, slow queries and migrations only. */
export function typeOrmLogger(logger: Logger): TypeOrmLogger {
  return {
    logQuery: () => undefined,
    logQueryError: (error, query) => logger.error({ err: error, query }, 'database query failed'),
    logQuerySlow: (time, query) => logger.warn({ duration_ms: time, query }, 'slow database query'),
    logSchemaBuild: () => undefined,
    logMigration: (message) => logger.info({ detail: message }, 'database migration'),
    log: (level, message) => {
      if (level === 'warn') logger.warn({ detail: message }, 'typeorm warning');
      else logger.debug({ detail: message }, 'typeorm message');
    },
  };
}
