/** Base error of @shipshape/messaging: a stable code, a cause and safe details (STYLE.md). */
export class MessagingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/**
 * A handler throws this when retrying cannot help (the event is wrong for this consumer).
 * The message goes to the dead-letter topic at once instead of after the retry budget.
 */
export class NonRetryableError extends MessagingError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('MESSAGING.NON_RETRYABLE', message, details, options);
  }
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError) return false;
  if (typeof error === 'object' && error !== null && 'retryable' in error) return (error as { retryable: unknown }).retryable !== false;
  return true;
}

/** Postgres SQLSTATEs of a server that is going away or not there yet: connection exceptions (08…), shutdowns, too many connections. */
const UNAVAILABLE_SQLSTATES = /^(08...|57P01|57P02|57P03|53300)$/;
/** Socket-level failures of a connection to a server that is down or restarting. */
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether the error says the database (not the event) is the problem: the server is down, restarting
 * or refusing connections. Such a failure is not the message's fault and must not use up its retry
 * budget. Follows TypeORM's driverError and `cause` chains.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_NODE_CODES.has(code))) return true;
    const message = e instanceof Error ? e.message : '';
    if (/^Connection terminated|^timeout exceeded when trying to connect|Client has encountered a connection error/.test(message)) return true;
    e = (e as { driverError?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return error instanceof Error ? error.name : 'UNKNOWN';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
