import { defineRecipe } from '../recipe';
import { GRADLE_OPTION_DOCS, gradleOptionsSchema, type GradleOptions } from './schema';
import { applyGradle, isGradleFile, scanGradle, type GradleScan } from './update';

export const gradleRecipe = defineRecipe<GradleOptions, GradleScan>({
  name: 'shipshape.gradle.upgrade-dependency',
  kind: 'gradle',
  displayName: 'Upgrade a Gradle dependency',
  description:
    'Sets a dependency version in build.gradle, build.gradle.kts (string and map notation, plugins by marker), gradle/libs.versions.toml ' +
    '(inline versions and version.ref) and the gradle.properties / ext / val property that holds it.',
  options: gradleOptionsSchema,
  optionDocs: GRADLE_OPTION_DOCS,
  example: { groupId: 'com.acme.rpc', artifactId: 'rpc-client', toVersion: '2.0.0' },
  matches: isGradleFile,
  scan: (files) => scanGradle(files),
  apply: applyGradle,
});
