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

export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'string') {
    return (error as { code: string }).code;
  }
  return error instanceof Error ? error.name : 'UNKNOWN';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
