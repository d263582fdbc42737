import { defineRecipe } from '../recipe';
import { DOCKER_OPTION_DOCS, dockerOptionsSchema, type DockerOptions } from './schema';
import { applyDocker, isDockerfile } from './update';

export const dockerRecipe = defineRecipe<DockerOptions>({
  name: 'shipshape.docker.base-image-tag',
  kind: 'docker',
  displayName: 'Set a Dockerfile base image tag',
  description: 'Sets the tag of a base image on every FROM line that uses it (multi-stage builds included), leaving digests and build-argument tags alone.',
  options: dockerOptionsSchema,
  optionDocs: DOCKER_OPTION_DOCS,
  example: { image: 'eclipse-temurin', toTag: '21-jre' },
  matches: isDockerfile,
  apply: applyDocker,
});
