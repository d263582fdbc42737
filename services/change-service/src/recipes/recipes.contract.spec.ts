import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RecipeOptionsError } from './errors';
import { isCheckoutRecipe } from './recipe';
import { RECIPES } from './registry';
import { validateRules } from './runner';

/** Every fixture file of every recipe folder: the contract runs each recipe over all of them. */
function fixtures(dir: string): { path: string; content: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return fixtures(p);
    return [{ path: relative(__dirname, p).split('\\').join('/'), content: readFileSync(p, 'utf8') }];
  });
}
const ALL_FIXTURES = readdirSync(__dirname)
  .filter((d) => statSync(join(__dirname, d)).isDirectory() && d !== 'shared')
  .flatMap((d) => {
    try {
      return fixtures(join(__dirname, d, '__fixtures__'));
    } catch {
      return [];
    }
  });

describe.each([...RECIPES.values()].map((r) => [r.kind, r] as const))('recipe contract: %s', (_kind, recipe) => {
  it('has metadata: dotted name, display name, description, documented options with examples', () => {
    expect(recipe.name).toMatch(/^shipshape\.[a-z0-9-]+\.[a-z0-9-]+$/);
    expect(recipe.displayName.length).toBeGreaterThan(5);
    expect(recipe.description.length).toBeGreaterThan(20);
    const shape = (recipe.options as unknown as z.ZodObject).shape;
    expect(Object.keys(recipe.optionDocs).sort()).toEqual(Object.keys(shape).sort());
    for (const doc of Object.values(recipe.optionDocs)) {
      expect(doc.description.length).toBeGreaterThan(5);
      expect(doc.example).toBeDefined();
    }
    expect(recipe.options.safeParse(recipe.example).success).toBe(true);
  });

  it('rejects bad options with an error naming each field', () => {
    expect(() => validateRules([{ recipe: recipe.kind, options: { bogus: 1 } }])).toThrow(RecipeOptionsError);
    try {
      validateRules([{ recipe: recipe.kind, options: {} }]);
      expect.unreachable();
    } catch (err) {
      const problems = (err as RecipeOptionsError).problems;
      const required = Object.entries((recipe.options as unknown as z.ZodObject).shape)
        .filter(([, s]) => !(s as z.ZodType).safeParse(undefined).success)
        .map(([k]) => k);
      for (const field of required) expect(problems.join('\n')).toContain(`${field}:`);
    }
  });

  // A checkout recipe runs a tool over a whole checkout: its own integration test runs it twice.
  it.skipIf(isCheckoutRecipe(recipe))('changes nothing when run a second time, on every fixture it matches', () => {
    if (isCheckoutRecipe(recipe)) throw new Error('unreachable');
    let matched = 0;
    for (const f of ALL_FIXTURES.filter((x) => recipe.matches(x.path))) {
      matched++;
      const options = recipe.options.parse(recipe.example);
      const once = recipe.apply(f.content, options, { path: f.path });
      const again = recipe.apply(once.content ?? f.content, options, { path: f.path });
      expect(again.content, f.path).toBeNull();
      expect(again.report.every((r) => r.outcome !== 'updated'), f.path).toBe(true);
    }
    expect(matched).toBeGreaterThan(0);
  });
});
