import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { z } from 'zod';
import { RecipeOptionsError, UnknownRecipeError } from './errors';
import type { AnyRecipe, ReportEntry, SourceFile } from './recipe';
import { RECIPES } from './registry';

/** One entry of a task's ordered rule list. */
export interface Rule {
  readonly recipe: string;
  readonly options: unknown;
}

export interface ValidatedRule {
  readonly recipe: AnyRecipe;
  readonly options: unknown;
}

export interface FileChange {
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

export interface RecipeRunResult {
  readonly changes: readonly FileChange[];
  readonly report: readonly ReportEntry[];
  /** Whether any rule found what it targets (false: the application does not use the component). */
  readonly applicable: boolean;
  /** Unified diff of every change (`a/` and `b/` prefixes, like git). */
  readonly diff: string;
}

const IGNORED_DIRS = new Set(['.git', 'node_modules', 'target', 'build', 'dist', '.gradle', '.idea', '.mvn', 'out']);

/** Validates every rule's options; throws one error naming every problem of the first bad rule. */
export function validateRules(rules: readonly Rule[], registry: ReadonlyMap<string, AnyRecipe> = RECIPES): ValidatedRule[] {
  return rules.map((rule) => {
    const recipe = registry.get(rule.recipe) ?? [...registry.values()].find((r) => r.name === rule.recipe);
    if (!recipe) throw new UnknownRecipeError(rule.recipe, [...registry.keys()]);
    const parsed = (recipe.options as z.ZodType).safeParse(rule.options ?? {});
    if (!parsed.success) {
      throw new RecipeOptionsError(
        recipe.name,
        parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(options)'}: ${i.message}`),
      );
    }
    return { recipe, options: parsed.data };
  });
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!IGNORED_DIRS.has(e.name)) out.push(...(await listFiles(root, join(dir, e.name))));
    } else if (e.isFile()) out.push(relative(root, join(dir, e.name)).split(sep).join('/'));
  }
  return out.sort();
}

/**
 * Runs rules in order over a checkout: each rule sees the previous rules' edits. Edits are written
 * (and `afterWrite` steps such as lockfile updates run) unless `dryRun`.
 */
export async function runRecipes(
  root: string,
  rules: readonly Rule[],
  opts: { dryRun?: boolean; registry?: ReadonlyMap<string, AnyRecipe> } = {},
): Promise<RecipeRunResult> {
  const validated = validateRules(rules, opts.registry);
  const paths = await listFiles(root);
  const current = new Map<string, string>();
  const original = new Map<string, string>();
  const load = async (p: string) => {
    if (!current.has(p)) {
      const text = await readFile(join(root, p), 'utf8');
      current.set(p, text);
      original.set(p, text);
    }
    return current.get(p)!;
  };
  const report: ReportEntry[] = [];
  const changedBy = new Map<ValidatedRule, string[]>();
  for (const rule of validated) {
    const files: SourceFile[] = [];
    for (const p of paths.filter((x) => rule.recipe.matches(x))) files.push({ path: p, content: await load(p) });
    const scan = rule.recipe.scan?.(files, rule.options);
    const changed: string[] = [];
    const ruleReport: ReportEntry[] = [];
    for (const f of files) {
      const result = rule.recipe.apply(f.content, rule.options, { path: f.path, scan });
      ruleReport.push(...result.report);
      if (result.content !== null) {
        current.set(f.path, result.content);
        changed.push(f.path);
      }
    }
    changedBy.set(rule, changed);
    report.push(...summarise(ruleReport, rule));
  }
  const changes = [...current.entries()]
    .filter(([p, text]) => original.get(p) !== text)
    .map(([path, after]) => ({ path, before: original.get(path)!, after }));
  if (!opts.dryRun) {
    for (const c of changes) await writeFile(join(root, c.path), c.after);
    for (const rule of validated) {
      const changedFiles = changedBy.get(rule)!;
      if (rule.recipe.afterWrite && changedFiles.length > 0) {
        report.push(...(await rule.recipe.afterWrite({ root, changedFiles, options: rule.options })));
      }
    }
  }
  return {
    changes,
    report,
    applicable: report.some((e) => e.outcome !== 'not-found'),
    diff: changes.map((c) => unifiedDiff(c.path, c.before, c.after)).join(''),
  };
}

/** Per-file not-found entries are noise: a rule that found its target somewhere keeps none, one that found nothing keeps one. */
function summarise(report: readonly ReportEntry[], rule: ValidatedRule): ReportEntry[] {
  const found = report.filter((e) => e.outcome !== 'not-found');
  if (found.length > 0) return found;
  const subject = report[0]?.subject ?? rule.recipe.kind;
  return [{ file: '*', subject, outcome: 'not-found', detail: `${rule.recipe.kind}: no matching file uses it` }];
}

export function unifiedDiff(path: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: 3 })
    .split('\n')
    .filter((l) => !l.startsWith('====='))
    .join('\n');
}
