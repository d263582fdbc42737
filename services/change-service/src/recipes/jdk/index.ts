import { defineRecipe } from '../recipe';
import { JDK_OPTION_DOCS, jdkOptionsSchema, type JdkOptions } from './schema';
import { applyJdk, isJdkFile } from './update';

export const jdkRecipe = defineRecipe<JdkOptions>({
  name: 'shipshape.jdk.set-java-version',
  kind: 'jdk',
  displayName: 'Move to another Java release',
  description:
    'Sets the Java release in Maven properties and compiler/toolchains plugin configuration, toolchains.xml, Gradle compatibility, ' +
    'toolchains and Kotlin jvmTarget, JDK base image tags in Dockerfiles and .java-version; older versions only (never downgrades).',
  options: jdkOptionsSchema,
  optionDocs: JDK_OPTION_DOCS,
  example: { toVersion: '21' },
  matches: isJdkFile,
  apply: applyJdk,
});
