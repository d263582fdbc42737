import { z } from 'zod';

export const dockerOptionsSchema = z.strictObject({
  image: z.string().trim().regex(/^[a-z0-9]+([._\/-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, 'must be an image name without tag'),
  toTag: z.string().trim().regex(/^[\w][\w.-]{0,127}$/, 'must be a Docker tag'),
});
export type DockerOptions = z.infer<typeof dockerOptionsSchema>;

export const DOCKER_OPTION_DOCS = {
  image: { description: 'base image name, registry and path included, without tag', example: 'eclipse-temurin' },
  toTag: { description: 'tag to set on FROM lines that use the image', example: '21-jre' },
} as const;
