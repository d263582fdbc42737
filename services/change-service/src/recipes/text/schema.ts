import { z } from 'zod';

const replacement = z
  .strictObject({
    from: z.string().min(1, 'must not be empty'),
    to: z.string(),
  })
  .refine((r) => !r.to.includes(r.from), { message: 'to must not contain from (a second run would replace again)', path: ['to'] });

export const textOptionsSchema = z.strictObject({
  files: z.string().trim().min(1, 'must be a glob such as lib/**/*.js'),
  replacements: z.array(replacement).min(1, 'name at least one replacement'),
  ifContains: z.string().min(1, 'must not be empty').optional(),
});
export type TextOptions = z.infer<typeof textOptionsSchema>;

export const TEXT_OPTION_DOCS = {
  files: { description: 'glob of the files to edit, relative to the checkout root', example: 'lib/**/*.js' },
  replacements: {
    description: 'literal replacements applied in order, every occurrence; `to` must not contain `from`',
    example: [{ from: '.call(', to: '.invoke(' }],
  },
  ifContains: {
    description: 'edit only files containing this text (e.g. the module the renamed API belongs to)',
    example: '@acme/rpc-client',
  },
} as const;
