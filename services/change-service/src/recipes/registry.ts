import type { AnyRecipe } from './recipe';
import { dockerRecipe } from './docker';
import { gradleRecipe } from './gradle';
import { javaRecipe } from './java';
import { javaagentRecipe } from './javaagent';
import { jdkRecipe } from './jdk';
import { mavenRecipe } from './maven';
import { createNpmRecipe, type LockfileUpdater } from './npm';
import { propertiesRecipe } from './properties';
import { yamlRecipe } from './yaml';

/** Every recipe, by the short kind used in rules (`maven`, `npm`…). Explicit: nothing registers itself. */
export function createRegistry(deps: { lockfileUpdater?: LockfileUpdater } = {}): ReadonlyMap<string, AnyRecipe> {
  const recipes: AnyRecipe[] = [mavenRecipe, gradleRecipe, createNpmRecipe(deps.lockfileUpdater), javaRecipe, dockerRecipe, jdkRecipe, javaagentRecipe, yamlRecipe, propertiesRecipe];
  return new Map(recipes.map((r) => [r.kind, r]));
}

export const RECIPES = createRegistry();
