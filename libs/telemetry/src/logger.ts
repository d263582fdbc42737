import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const satisfies readonly LogLevel[];

export interface LoggerOptions {
  /** Defaults to LOG_LEVEL, else 'info'. */
  readonly level?: LogLevel;
  /** Where JSON lines go; defaults to stdout. Tests pass a stream to read them back. */
  readonly destination?: pino.DestinationStream;
}

/** Ids of the span active in the current async context, so every record can be joined to its trace. */
export function activeTraceFields(): { trace_id?: string; span_id?: string; trace_flags?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: `0${ctx.traceFlags.toString(16)}`.slice(-2) };
}

function levelFromEnv(): LogLevel {
  const raw = process.env['LOG_LEVEL']?.trim().toLowerCase();
  return LOG_LEVELS.find((l) => l === raw) ?? 'info';
}

/**
 * A pino JSON logger. Records carry `trace_id`/`span_id` of the active OpenTelemetry span.
 * Keep messages static and put details in fields: `logger.info({ topic }, 'topic created')`.
 */
export function createLogger(name: string, bindings: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      name,
      level: options.level ?? levelFromEnv(),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: activeTraceFields,
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return Object.keys(bindings).length > 0 ? logger.child(bindings) : logger;
}
