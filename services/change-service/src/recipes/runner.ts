import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { z } from 'zod';
import { RecipeOptionsError, UnknownRecipeError } from './errors';
import { isCheckoutRecipe, type RegisteredRecipe, type ReportEntry, type SourceFile } from './recipe';
import { RECIPES } from './registry';

/** One entry of a task's ordered rule list. */
export interface Rule {
  readonly recipe: string;
  readonly options: unknown;
}

export interface ValidatedRule {
  readonly recipe: RegisteredRecipe;
  readonly options: unknown;
}

export interface FileChange {
  readonly path: string;
  readonly before: string;
  /** null: the file was deleted (only checkout recipes delete). */
  readonly after: string | null;
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
/** Files a checkout recipe may change that the runner reads back (text, not huge). */
const MAX_TEXT_BYTES = 2 * 1024 * 1024;

/** Validates every rule's options; throws one error naming every problem of the first bad rule. */
export function validateRules(rules: readonly Rule[], registry: ReadonlyMap<string, RegisteredRecipe> = RECIPES): ValidatedRule[] {
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

async function readText(root: string, path: string): Promise<string | undefined> {
  const full = join(root, path);
  if ((await stat(full)).size > MAX_TEXT_BYTES) return undefined;
  const text = await readFile(full, 'utf8');
  return text.includes('\u0000') ? undefined : text;
}

/**
 * Runs rules in order over a checkout: each rule sees the previous rules' edits. Edits are written
 * (and `afterWrite` steps such as lockfile updates run) unless `dryRun`; a dry run with a checkout
 * recipe (which must run on files) works on a temporary copy.
 */
export async function runRecipes(
  root: string,
  rules: readonly Rule[],
  opts: { dryRun?: boolean; registry?: ReadonlyMap<string, RegisteredRecipe> } = {},
): Promise<RecipeRunResult> {
  const validated = validateRules(rules, opts.registry);
  if (opts.dryRun && validated.some((r) => isCheckoutRecipe(r.recipe))) {
    const copy = await mkdtemp(join(tmpdir(), `shipshape-dry-run-${basename(root)}-`));
    try {
      await cp(root, copy, { recursive: true, filter: (src) => !IGNORED_DIRS.has(basename(src)) || src === root });
      return await execute(copy, validated, false);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }
  return execute(root, validated, opts.dryRun ?? false);
}

async function execute(root: string, validated: readonly ValidatedRule[], dryRun: boolean): Promise<RecipeRunResult> {
  let paths = await listFiles(root);
  /** Content as the rules left it; null = deleted. */
  const current = new Map<string, string | null>();
  /** Content before the first rule touched it ('' for files a recipe created). */
  const original = new Map<string, string | null>();
  /** Paths whose current content is not on disk yet. */
  const dirty = new Set<string>();
  const load = async (p: string) => {
    if (!current.has(p)) {
      const text = await readFile(join(root, p), 'utf8');
      current.set(p, text);
      original.set(p, text);
    }
    return current.get(p);
  };
  const flush = async () => {
    for (const p of dirty) await writeFile(join(root, p), current.get(p)!);
    dirty.clear();
  };
  const report: ReportEntry[] = [];
  const changedBy = new Map<ValidatedRule, string[]>();
  for (const rule of validated) {
    const ruleReport: ReportEntry[] = [];
    const changed: string[] = [];
    const recipe = rule.recipe;
    if (isCheckoutRecipe(recipe)) {
      await flush();
      const before = new Map<string, string | undefined>();
      for (const p of paths) before.set(p, current.has(p) ? (current.get(p) ?? undefined) : await readText(root, p));
      ruleReport.push(...(await recipe.run({ root, options: rule.options })));
      const after = await listFiles(root);
      for (const p of new Set([...paths, ...after])) {
        const was = before.get(p);
        const now = after.includes(p) ? await readText(root, p) : null;
        if (now === undefined || was === now) continue;
        if (!original.has(p)) original.set(p, was ?? null);
        current.set(p, now);
        changed.push(p);
        ruleReport.push({ file: p, subject: (rule.options as { recipe?: string }).recipe ?? recipe.kind, outcome: 'updated', detail: now === null ? 'deleted' : `${recipe.kind} changed the file` });
      }
      paths = after;
    } else {
      const files: SourceFile[] = [];
      for (const p of paths.filter((x) => recipe.matches(x))) {
        const text = await load(p);
        if (typeof text === 'string') files.push({ path: p, content: text });
      }
      const scan = recipe.scan?.(files, rule.options);
      for (const f of files) {
        const result = recipe.apply(f.content, rule.options, { path: f.path, scan });
        ruleReport.push(...result.report);
        if (result.content !== null) {
          current.set(f.path, result.content);
          dirty.add(f.path);
          changed.push(f.path);
        }
      }
    }
    changedBy.set(rule, changed);
    report.push(...summarise(ruleReport, rule));
  }
  const changes = [...current.entries()]
    .filter(([p, text]) => original.get(p) !== text)
    .map(([path, after]) => ({ path, before: original.get(path) ?? '', after }));
  if (!dryRun) {
    await flush();
    for (const rule of validated) {
      const changedFiles = changedBy.get(rule)!;
      if (!isCheckoutRecipe(rule.recipe) && rule.recipe.afterWrite && changedFiles.length > 0) {
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
  return [{ file: '*', subject, outcome: 'not-found', detail: report[0]?.detail ?? `${rule.recipe.kind}: no matching file uses it` }];
}

export function unifiedDiff(path: string, before: string, after: string | null): string {
  return createTwoFilesPatch(`a/${path}`, after === null ? '/dev/null' : `b/${path}`, before, after ?? '', undefined, undefined, { context: 3 })
    .split('\n')
    .filter((l) => !l.startsWith('====='))
    .join('\n');
}
