import type { CheckoutRecipe } from '../recipe';
import { runOpenRewrite, mavenRewriteRunner, type RewriteRunner } from './run';
import { OPENREWRITE_OPTION_DOCS, openRewriteOptionsSchema, type OpenRewriteOptions } from './schema';

/** The OpenRewrite recipe with the Maven invocation injected (tests pass their own). */
export function createOpenRewriteRecipe(runner: RewriteRunner = mavenRewriteRunner): CheckoutRecipe<OpenRewriteOptions> {
  return {
    name: 'shipshape.openrewrite.run-recipe',
    kind: 'openrewrite',
    displayName: 'Run an OpenRewrite recipe',
    description:
      'Runs an OpenRewrite recipe over a Maven checkout through the rewrite-maven-plugin, with the plugin version and recipe artifact ' +
      'coordinates pinned by the task; every file it changes is reported. Needs Maven and the artifacts from the Maven repository.',
    options: openRewriteOptionsSchema,
    optionDocs: OPENREWRITE_OPTION_DOCS,
    example: { recipe: 'org.openrewrite.java.OrderImports', pluginVersion: '6.46.1' },
    run: ({ root, options }) => runOpenRewrite(root, options, runner),
  };
}

export const openRewriteRecipe = createOpenRewriteRecipe();
export type { RewriteRunner };
