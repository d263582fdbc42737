import { z } from 'zod';

const token = z.string().trim().min(1).regex(/^[^\s<>${}]+$/, 'must be a plain token (no spaces, <, >, $, braces)');

export const mavenOptionsSchema = z.strictObject({
  groupId: token.describe('groupId of the dependency, plugin, BOM or parent to upgrade'),
  artifactId: token.describe('artifactId to upgrade; `*` matches every artifact of the group'),
  toVersion: token.describe('the version to set'),
});
export type MavenOptions = z.infer<typeof mavenOptionsSchema>;

export const MAVEN_OPTION_DOCS = {
  groupId: { description: 'groupId of the dependency, plugin, BOM or parent to upgrade', example: 'com.acme.rpc' },
  artifactId: { description: 'artifactId to upgrade; `*` matches every artifact of the group', example: 'rpc-client' },
  toVersion: { description: 'the version to set', example: '2.0.0' },
} as const;
