import { z } from 'zod';

const key = z.string().trim().min(1).regex(/^[^\s=:#!]+$/, 'must be a dotted key without spaces, =, :, # or !');
const value = z.union([z.string(), z.number(), z.boolean()]);

/** set / rename / delete of dotted keys, shared by the yaml and properties recipes. */
export const keyOperationSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('set'), key, value, onlyIfPresent: z.boolean().default(false) }),
  z.strictObject({ op: z.literal('rename'), key, to: key }),
  z.strictObject({ op: z.literal('delete'), key }),
]);
export type KeyOperation = z.infer<typeof keyOperationSchema>;

export function keyOperationsOptions(defaultFiles: string) {
  return z.strictObject({
    files: z.string().trim().min(1).default(defaultFiles),
    operations: z.array(keyOperationSchema).min(1, 'give at least one operation'),
  });
}

export const KEY_OPERATION_DOCS = (filesDefault: string, example: unknown) =>
  ({
    files: { description: `glob of the files to edit (default ${filesDefault}); * matches within a path segment, ** across segments`, example: filesDefault },
    operations: {
      description: 'ordered operations: {op: set, key, value, onlyIfPresent?} | {op: rename, key, to} | {op: delete, key}; keys are dotted paths',
      example,
    },
  }) as const;

/** Minimal glob: `**` any number of segments, `*` within a segment, `{a,b}` alternatives. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      re += `(?:${glob.slice(i + 1, end).split(',').map((s) => s.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
      i = end;
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
