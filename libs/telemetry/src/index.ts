export { startTelemetry, getTelemetry, PROMETHEUS_CONTENT_TYPE, type Telemetry, type TelemetryOptions } from './telemetry';
export { createLogger, activeTraceFields, LOG_LEVELS, type Logger, type LogLevel, type LoggerOptions } from './logger';
export { registerProcessMetrics } from './process-metrics';
export { FailureLog, type FailureLogOptions } from './failure-log';
