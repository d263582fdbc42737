import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { z } from 'zod';

export interface FieldError {
  /** Where: a dotted path, e.g. `component.coordinates` or `applications[2] (payments).team`. */
  readonly field: string;
  readonly message: string;
}

export function pathToField(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out === '' ? '(body)' : out;
}

export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const field = pathToField(issue.path);
    return { field: prefix === '' ? field : field === '(body)' ? prefix : `${prefix}.${field}`, message: issue.message };
  });
}

export function badRequest(errors: readonly FieldError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors });
}

/** Parses a request body or query; a bad one is a 400 naming every field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (!parsed.success) throw badRequest(fieldErrors(parsed.error));
  return parsed.data;
}

export function notFound(what: string, id: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${what} ${id} not found` });
}

export function conflict(reason: string, details: Record<string, unknown> = {}): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', message: reason, ...details });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id path parameter that is not a UUID cannot name anything: 404, like an unknown one. */
export function requireUuid(what: string, id: string): string {
  if (!UUID.test(id)) throw notFound(what, id);
  return id;
}
