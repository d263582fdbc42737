import { z } from 'zod';

export const jdkOptionsSchema = z.strictObject({
  toVersion: z.coerce.string().regex(/^(8|9|[1-9]\d)$/, 'must be a Java feature release such as 17 or 21'),
});
export type JdkOptions = z.infer<typeof jdkOptionsSchema>;

export const JDK_OPTION_DOCS = {
  toVersion: { description: 'Java feature release to build and run with', example: '21' },
} as const;
