import { readFile } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isShipshapeError } from '@shipshape/contracts';
import type { ReportEntry } from '../recipes/recipe';
import { RECIPES } from '../recipes/registry';
import { runRecipes, type Rule } from '../recipes/runner';

/** Exit codes of `shipshape recipe …` (documented in the usage text). */
export const EXIT = { ok: 0, failed: 1, invalidInput: 2 } as const;

export const USAGE = `Usage:
  shipshape recipe run <dir> --rules <file.json|file.yaml> [--dry-run] [--json]
  shipshape recipe run <dir> --recipe <kind> --option key=value [--option key=value …] [--dry-run] [--json]
  shipshape recipe list [--json]

Edits <dir> in place (or, with --dry-run, prints the unified diff and writes nothing), then prints the
per-file and per-dependency report. A rules file is a list of { recipe, options } (or { rules: [...] }).
Option values are strings; values starting with [ or { and true/false are read as JSON.

Exit codes: 0 ran (files changed or nothing to change; see the report), 2 invalid input (bad arguments,
unknown recipe, invalid options, a file that cannot be parsed: the message names file and line),
1 unexpected failure.`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

class UsageError extends Error {}

interface Args {
  readonly positional: string[];
  readonly rulesFile?: string;
  readonly recipe?: string;
  readonly options: Record<string, unknown>;
  readonly dryRun: boolean;
  readonly json: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const options: Record<string, unknown> = {};
  let rulesFile: string | undefined;
  let recipe: string | undefined;
  let dryRun = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--rules') rulesFile = value();
    else if (a === '--recipe') recipe = value();
    else if (a === '--option' || a === '-o') {
      const kv = value();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`--option expects key=value, got "${kv}"`);
      options[kv.slice(0, eq)] = optionValue(kv.slice(eq + 1));
    } else if (a === '--dry-run') dryRun = true;
    else if (a === '--json') json = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown flag ${a}`);
    else positional.push(a);
  }
  return { positional, rulesFile, recipe, options, dryRun, json };
}

function optionValue(raw: string): unknown {
  if (/^[[{]/.test(raw) || raw === 'true' || raw === 'false') {
    try {
      return JSON.parse(raw);
    } catch {
      throw new UsageError(`option value is not valid JSON: ${raw}`);
    }
  }
  return raw;
}

async function loadRules(file: string): Promise<Rule[]> {
  const text = await readFile(file, 'utf8');
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) throw new UsageError(`${file}: expected a list of rules or { rules: [...] }`);
  return list.map((r, i) => {
    const rule = r as { recipe?: unknown; options?: unknown; optionsJson?: unknown };
    if (typeof rule?.recipe !== 'string') throw new UsageError(`${file}: rules[${i}].recipe must be a string`);
    const options = typeof rule.optionsJson === 'string' ? JSON.parse(rule.optionsJson) : (rule.options ?? {});
    return { recipe: rule.recipe, options };
  });
}

export function formatReport(report: readonly ReportEntry[]): string {
  return report
    .map((e) => {
      const change = e.from !== undefined || e.to !== undefined ? ` ${e.from ?? '?'} -> ${e.to ?? '?'}` : '';
      const extra = [e.reason, e.line !== undefined ? `line ${e.line}` : undefined, e.detail].filter(Boolean).join(', ');
      return `${e.file}  ${e.subject}  ${e.outcome}${change}${extra ? ` (${extra})` : ''}`;
    })
    .join('\n');
}

/** `shipshape recipe …`; returns the exit code. */
export async function runRecipeCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT.invalidInput;
  }
  const [command, dir, ...rest] = args.positional;
  if (command === 'list') {
    const recipes = [...RECIPES.values()].map((r) => ({ kind: r.kind, name: r.name, displayName: r.displayName, description: r.description, options: r.optionDocs }));
    io.out(args.json ? JSON.stringify(recipes) : recipes.map((r) => `${r.kind.padEnd(8)} ${r.name}  ${r.displayName}`).join('\n'));
    return EXIT.ok;
  }
  if (command !== 'run' || !dir || rest.length > 0 || (!args.rulesFile && !args.recipe) || (args.rulesFile && args.recipe)) {
    io.err(USAGE);
    return EXIT.invalidInput;
  }
  try {
    const root = resolve(dir);
    if (!(await stat(root).catch(() => undefined))?.isDirectory()) throw new UsageError(`${dir} is not a directory`);
    const rules = args.rulesFile ? await loadRules(args.rulesFile) : [{ recipe: args.recipe!, options: args.options }];
    const result = await runRecipes(root, rules, { dryRun: args.dryRun });
    const changedFiles = result.changes.map((c) => c.path);
    if (args.json) {
      io.out(JSON.stringify({ dryRun: args.dryRun, applicable: result.applicable, changedFiles, report: result.report, ...(args.dryRun ? { diff: result.diff } : {}) }));
    } else {
      if (args.dryRun && result.diff) io.out(result.diff.trimEnd());
      io.out(formatReport(result.report));
      const verb = args.dryRun ? 'would change' : 'changed';
      io.out(`${changedFiles.length} file(s) ${verb}${result.applicable ? '' : '; nothing in this checkout uses what the rules target'}`);
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message);
      return EXIT.invalidInput;
    }
    if (isShipshapeError(err) && ['CHANGE.INVALID_INPUT', 'CHANGE.INVALID_OPTIONS', 'CHANGE.UNKNOWN_RECIPE'].includes(err.code)) {
      io.err(args.json ? JSON.stringify({ error: err.toJSON() }) : `${err.code}: ${err.message}`);
      return EXIT.invalidInput;
    }
    io.err(`unexpected failure: ${(err as Error).stack ?? String(err)}`);
    return EXIT.failed;
  }
}
