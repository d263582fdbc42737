import { defineRecipe } from '../recipe';
import { MAVEN_OPTION_DOCS, mavenOptionsSchema, type MavenOptions } from './schema';
import { applyMaven, isPom, scanPoms, type MavenScan } from './update';

export const mavenRecipe = defineRecipe<MavenOptions, MavenScan>({
  name: 'shipshape.maven.upgrade-dependency',
  kind: 'maven',
  displayName: 'Upgrade a Maven dependency',
  description:
    'Sets the version of a dependency, managed dependency, BOM import, plugin or parent in every pom.xml of the checkout, ' +
    'editing the property that holds the version when there is one (also in parent poms inside the repository).',
  options: mavenOptionsSchema,
  optionDocs: MAVEN_OPTION_DOCS,
  example: { groupId: 'com.acme.rpc', artifactId: 'rpc-client', toVersion: '2.0.0' },
  matches: isPom,
  scan: (files) => scanPoms(files),
  apply: applyMaven,
});
