import type { z } from 'zod';

/** What happened to one dependency / key / symbol in one file. */
export const OUTCOMES = ['updated', 'already-at-target', 'not-found', 'skipped'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Why a recipe left something alone (Renovate `SkipReason`): values, not exceptions, so they flow
 * into statistics.
 */
export const SKIP_REASONS = [
  'managed-by-parent-outside-repo',
  'managed-by-bom',
  'version-range',
  'undefined-property',
  'version-from-project',
  'newer-than-target',
  'unsupported-spec',
  'lockfile-not-updated',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface ReportEntry {
  /** Path relative to the checkout root, `/`-separated. */
  readonly file: string;
  /** What the entry is about: `com.acme:rpc-client`, `lodash`, `server.port`, `javax.servlet`. */
  readonly subject: string;
  readonly outcome: Outcome;
  /** Where in the file (1-based line), when known. */
  readonly line?: number;
  readonly from?: string;
  readonly to?: string;
  readonly reason?: SkipReason;
  /** Free text for humans (e.g. "via property rpc.version", "in dependencyManagement"). */
  readonly detail?: string;
}

export interface EditResult {
  /** The new content, or null when nothing changed. */
  readonly content: string | null;
  readonly report: readonly ReportEntry[];
}

export interface SourceFile {
  readonly path: string;
  readonly content: string;
}

export interface RecipeContext<Acc = unknown> {
  /** Path of the file being edited, relative to the checkout root. */
  readonly path: string;
  /** For scanning recipes: what `scan` found across every matching file of the checkout. */
  readonly scan?: Acc;
}

/** Work a recipe asks the runner to do after files are written (e.g. bring a lockfile in line). */
export interface AfterWriteContext<O> {
  readonly root: string;
  readonly changedFiles: readonly string[];
  readonly options: O;
}

export interface OptionDoc {
  readonly description: string;
  readonly example: unknown;
}

/** What every recipe declares: a stable name, words for humans and validated, documented options. */
export interface RecipeMetadata<O = unknown> {
  /** Dotted, stable name: `shipshape.maven.upgrade-dependency`. */
  readonly name: string;
  /** The short name used in task rules and on the command line (`maven`). */
  readonly kind: string;
  readonly displayName: string;
  readonly description: string;
  readonly options: z.ZodType<O>;
  readonly optionDocs: Readonly<Record<string, OptionDoc>>;
  /** One valid set of options (used by docs, the contract test and `--help`). */
  readonly example: O;
}

/**
 * A recipe is metadata + validated options + a pure edit (OpenRewrite `Recipe`). Recipes that need
 * several files (Maven parents inside the repo) scan first and then edit (`ScanningRecipe`).
 */
export interface Recipe<O = unknown, Acc = unknown> extends RecipeMetadata<O> {
  /** Whether the recipe looks at this file (path relative to root). */
  matches(path: string): boolean;
  scan?(files: readonly SourceFile[], options: O): Acc;
  apply(content: string, options: O, ctx: RecipeContext<Acc>): EditResult;
  afterWrite?(ctx: AfterWriteContext<O>): Promise<readonly ReportEntry[]>;
}

/**
 * A recipe that runs a tool over the whole checkout (OpenRewrite through Maven) instead of a pure
 * per-file edit; the runner gives it the directory, then reads back what changed.
 */
export interface CheckoutRecipe<O = unknown> extends RecipeMetadata<O> {
  run(ctx: { readonly root: string; readonly options: O }): Promise<readonly ReportEntry[]>;
}

/** Any file recipe, options erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRecipe = Recipe<any, any>;
/** Any registered recipe, options erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RegisteredRecipe = AnyRecipe | CheckoutRecipe<any>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function isCheckoutRecipe(r: RegisteredRecipe): r is CheckoutRecipe<any> {
  return !('apply' in r);
}

export function defineRecipe<O, Acc = unknown>(recipe: Recipe<O, Acc>): Recipe<O, Acc> {
  return recipe;
}
