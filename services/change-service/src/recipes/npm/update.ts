import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import type { AfterWriteContext, EditResult, RecipeContext, ReportEntry } from '../recipe';
import { lineAt } from '../errors';
import { compareVersions, member, type JsonNode } from '@shipshape/manifests';
import { parseJson } from '../shared/parse';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import type { NpmOptions } from './schema';

const SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies', 'overrides'] as const;

export function isPackageJson(path: string): boolean {
  return (path === 'package.json' || path.endsWith('/package.json')) && !path.split('/').includes('node_modules');
}

export function applyNpm(content: string, options: NpmOptions, ctx: RecipeContext): EditResult {
  const root = parseJson(content, ctx.path);
  const edits: TextEdit[] = [];
  const report: ReportEntry[] = [];
  const visit = (node: JsonNode, where: string) => {
    const spec = node.type === 'string' ? node : undefined;
    const base = { file: ctx.path, subject: options.packageName, line: lineAt(content, node.start), to: options.toVersion, detail: where };
    if (!spec) return;
    const m = /^([\^~]?)(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/.exec(spec.value);
    if (!m) {
      const range = /[<>=|x*\s]|^\d+(\.\d+)?$/.test(spec.value) && !spec.value.includes(':');
      report.push({ ...base, from: spec.value, outcome: 'skipped', reason: range ? 'version-range' : 'unsupported-spec' });
      return;
    }
    const [, prefix, current] = m;
    if (current === options.toVersion) return void report.push({ ...base, from: spec.value, outcome: 'already-at-target' });
    if (compareVersions(current!, options.toVersion) > 0) {
      return void report.push({ ...base, from: spec.value, outcome: 'skipped', reason: 'newer-than-target' });
    }
    const next = `${prefix}${options.toVersion}`;
    edits.push({ start: spec.start, end: spec.end, text: JSON.stringify(next) });
    report.push({ ...base, from: spec.value, to: next, outcome: 'updated' });
  };
  for (const section of SECTIONS) {
    const node = member(root, section);
    if (node?.type !== 'object') continue;
    if (section !== 'overrides') {
      const dep = member(node, options.packageName);
      if (dep) visit(dep, section);
      continue;
    }
    // overrides: "pkg": "1.0.0", "pkg": { ".": "1.0.0", ... }, and nested "parent": { "pkg": "1.0.0" }
    const walk = (obj: JsonNode, path: string) => {
      if (obj.type !== 'object') return;
      for (const e of obj.entries) {
        const at = path ? `${path} > ${e.key}` : e.key;
        if (e.key === options.packageName) {
          if (e.value.type === 'object') {
            const self = member(e.value, '.');
            if (self) visit(self, `overrides ${at}`);
          } else visit(e.value, `overrides ${path || '(top level)'}`);
        }
        if (e.value.type === 'object') walk(e.value, at);
      }
    };
    walk(node, '');
  }
  return {
    content: applyEdits(content, edits),
    report: report.length > 0 ? report : [{ file: ctx.path, subject: options.packageName, outcome: 'not-found' }],
  };
}

export type LockfileUpdater = (dir: string) => Promise<void>;

/** Runs npm itself, offline-capable callers inject their own. */
export const npmLockfileUpdater: LockfileUpdater = async (dir) => {
  await promisify(execFile)('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    timeout: 300_000,
    env: { ...process.env, npm_config_workspaces: 'false' },
  });
};

export async function updateLockfiles(ctx: AfterWriteContext<NpmOptions>, updater: LockfileUpdater): Promise<ReportEntry[]> {
  if (!ctx.options.updateLockfile) return [];
  const report: ReportEntry[] = [];
  for (const file of ctx.changedFiles.filter(isPackageJson)) {
    const dir = posix.dirname(file);
    const lock = dir === '.' ? 'package-lock.json' : `${dir}/package-lock.json`;
    if (!existsSync(join(ctx.root, lock))) continue;
    try {
      await updater(join(ctx.root, dir));
      report.push({ file: lock, subject: ctx.options.packageName, outcome: 'updated', to: ctx.options.toVersion, detail: 'npm install --package-lock-only' });
    } catch (err) {
      report.push({
        file: lock,
        subject: ctx.options.packageName,
        outcome: 'skipped',
        reason: 'lockfile-not-updated',
        detail: (err as Error).message.split('\n')[0],
      });
    }
  }
  return report;
}
