import { z } from 'zod';

export const npmOptionsSchema = z.strictObject({
  packageName: z.string().trim().min(1).regex(/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/, 'must be an npm package name'),
  toVersion: z.string().trim().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'must be an exact semver version such as 2.0.0'),
  updateLockfile: z.boolean().default(true),
});
export type NpmOptions = z.infer<typeof npmOptionsSchema>;

export const NPM_OPTION_DOCS = {
  packageName: { description: 'the npm package to upgrade', example: '@acme/rpc-client' },
  toVersion: { description: 'the version to set; an existing ^ or ~ prefix is kept', example: '2.0.0' },
  updateLockfile: {
    description: 'bring package-lock.json in line with `npm install --package-lock-only --ignore-scripts` when one exists',
    example: true,
  },
} as const;
