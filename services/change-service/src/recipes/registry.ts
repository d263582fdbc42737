import type { RegisteredRecipe } from './recipe';
import { dockerRecipe } from './docker';
import { gradleRecipe } from './gradle';
import { javaRecipe } from './java';
import { javaagentRecipe } from './javaagent';
import { jdkRecipe } from './jdk';
import { mavenRecipe } from './maven';
import { createNpmRecipe, type LockfileUpdater } from './npm';
import { createOpenRewriteRecipe, type RewriteRunner } from './openrewrite';
import { propertiesRecipe } from './properties';
import { textRecipe } from './text';
import { yamlRecipe } from './yaml';

/** Every recipe, by the short kind used in rules (`maven`, `npm`…). Explicit: nothing registers itself. */
export function createRegistry(deps: { lockfileUpdater?: LockfileUpdater; rewriteRunner?: RewriteRunner } = {}): ReadonlyMap<string, RegisteredRecipe> {
  const recipes: RegisteredRecipe[] = [mavenRecipe, gradleRecipe, createNpmRecipe(deps.lockfileUpdater), javaRecipe, dockerRecipe, jdkRecipe, javaagentRecipe, yamlRecipe, propertiesRecipe, textRecipe, createOpenRewriteRecipe(deps.rewriteRunner)];
  return new Map(recipes.map((r) => [r.kind, r]));
}

export const RECIPES = createRegistry();
