import { z } from 'zod';

const text = z.string({ error: 'is required and must be a string' }).trim().min(1, 'must not be empty');
const optionalCommand = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').nullish();
const BUILD_TOOLS = ['maven', 'gradle', 'npm', 'yarn', 'pnpm', 'go', 'pip', 'other'] as const;

const fields = {
  team: text,
  service: text,
  repositoryUrl: text,
  defaultBranch: text,
  buildTool: z.enum(BUILD_TOOLS, { error: `must be one of ${BUILD_TOOLS.join(', ')}` }),
  commands: z.strictObject({ build: optionalCommand, test: optionalCommand, run: optionalCommand }),
  healthPath: z.string({ error: 'must be a string' }).regex(/^\//, 'must start with /').nullish(),
  productionInstances: z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must be 0 or more').nullish(),
  labels: z.record(z.string(), z.string({ error: 'must be a string' })),
};

/** One application in the catalog, as imported or sent over REST. */
export const applicationSchema = z.strictObject({
  name: text.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"'),
  ...fields,
  defaultBranch: fields.defaultBranch.default('main'),
  buildTool: fields.buildTool.default('maven'),
  commands: fields.commands.default({}),
  labels: fields.labels.default({}),
});

export type ApplicationSpec = z.output<typeof applicationSchema>;

/** A partial update of one application (the name is its key and does not change). */
export const applicationPatchSchema = z.strictObject(fields).partial();
export type ApplicationPatch = z.output<typeof applicationPatchSchema>;

export interface ApplicationRecord extends ApplicationSpec {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}
