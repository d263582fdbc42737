import { z } from 'zod';

const token = z.string().trim().min(1).regex(/^[^\s'"$:{}]+$/, 'must be a plain token (no spaces, quotes, $, :, braces)');

export const gradleOptionsSchema = z.strictObject({
  groupId: token,
  artifactId: token,
  toVersion: token,
});
export type GradleOptions = z.infer<typeof gradleOptionsSchema>;

export const GRADLE_OPTION_DOCS = {
  groupId: { description: 'group of the dependency (or a plugin id, with artifactId `<id>.gradle.plugin`)', example: 'com.acme.rpc' },
  artifactId: { description: 'name of the dependency (`*` = every artifact of the group)', example: 'rpc-client' },
  toVersion: { description: 'the version to set', example: '2.0.0' },
} as const;
