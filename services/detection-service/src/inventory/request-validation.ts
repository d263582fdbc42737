import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

/** Parses input with a schema; a bad request is a 400 naming each field and its problem. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: 'invalid request',
    fieldErrors: r.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
  });
}
