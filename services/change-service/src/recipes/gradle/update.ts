import { posix } from 'node:path';
import type { EditResult, RecipeContext, ReportEntry, SourceFile } from '../recipe';
import { lineAt } from '../errors';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import { compareVersions, isMavenRange } from '@shipshape/manifests';
import type { GradleOptions } from './schema';
import { parseProperties } from '../properties/update';

export function isGradleFile(path: string): boolean {
  return /(^|\/)(build|settings)\.gradle(\.kts)?$/.test(path) || /(^|\/)gradle\.properties$/.test(path) || /\.versions\.toml$/.test(path);
}
const isScript = (p: string) => /\.gradle(\.kts)?$/.test(p);

export interface GradleScan {
  readonly files: ReadonlyMap<string, string>;
}

interface Plan {
  edits: Map<string, TextEdit[]>;
  report: Map<string, ReportEntry[]>;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A version literal and where it sits. */
interface VersionToken {
  readonly file: string;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** Finds where a Gradle property / variable `name` gets its literal value (gradle.properties, ext, val/def, extra). */
function findDefinition(scan: GradleScan, fromFile: string, name: string): VersionToken | undefined {
  const dirs: string[] = [];
  for (let d = posix.dirname(fromFile); ; d = posix.dirname(d)) {
    dirs.push(d);
    if (d === '.' || d === '/' || d === '') break;
  }
  const scriptDef = new RegExp(
    `(?:\\b(?:val|var|def)\\s+|\\bext\\.|\\bextra\\[\\s*"|\\bset\\(\\s*["'])${esc(name)}(?:"\\s*\\]|["']\\s*,)?\\s*(?::\\s*String\\s*)?(?:=\\s*)?(["'])([^"'$\\n]+)\\1` +
      `|\\b${esc(name)}\\s*=\\s*(["'])([^"'$\\n]+)\\3|\\b${esc(name)}\\s+by\\s+extra\\(\\s*"([^"$\\n]+)"`,
  );
  for (const dir of dirs) {
    for (const script of ['build.gradle', 'build.gradle.kts', 'gradle.properties']) {
      const path = dir === '.' ? script : `${dir}/${script}`;
      const content = scan.files.get(path);
      if (content === undefined) continue;
      if (script === 'gradle.properties') {
        const e = parseProperties(content).find((x) => x.key === name);
        if (e) return { file: path, value: e.value, start: e.valueStart, end: e.valueEnd };
        continue;
      }
      const m = scriptDef.exec(content);
      if (m) {
        const value = m[2] ?? m[4] ?? m[5]!;
        const start = m.index + m[0].lastIndexOf(value);
        return { file: path, value, start, end: start + value.length };
      }
    }
  }
  return undefined;
}

function planUpgrade(scan: GradleScan, o: GradleOptions): Plan {
  const plan: Plan = { edits: new Map(), report: new Map() };
  const addEdit = (file: string, e: TextEdit) => {
    const list = plan.edits.get(file) ?? [];
    if (!list.some((x) => x.start === e.start)) list.push(e);
    plan.edits.set(file, list);
  };
  const addReport = (r: ReportEntry) => plan.report.set(r.file, [...(plan.report.get(r.file) ?? []), r]);
  const art = o.artifactId === '*' ? '[\\w.\\-]+' : esc(o.artifactId);
  const grp = esc(o.groupId);

  const handle = (file: string, content: string, at: number, subject: string, token: VersionToken | undefined, rawVersion: string, where: string) => {
    const base = { file, subject, line: lineAt(content, at), to: o.toVersion };
    if (!token) {
      addReport({ ...base, from: rawVersion, outcome: 'skipped', reason: 'undefined-property', detail: `${where}: ${rawVersion} is not defined in the repository` });
      return;
    }
    const decision: Pick<ReportEntry, 'outcome' | 'reason'> =
      token.value === o.toVersion
        ? { outcome: 'already-at-target' }
        : isMavenRange(token.value) || /[+\][]|^latest\./.test(token.value)
          ? { outcome: 'skipped', reason: 'version-range' }
          : compareVersions(token.value, o.toVersion) > 0
            ? { outcome: 'skipped', reason: 'newer-than-target' }
            : { outcome: 'updated' };
    if (decision.outcome === 'updated') addEdit(token.file, { start: token.start, end: token.end, text: o.toVersion });
    addReport({ ...base, from: token.value, ...decision, detail: token.file === file && !rawVersion.startsWith('$') ? where : `${where} via ${rawVersion.replace(/^\$\{?|\}$/g, '')} in ${token.file}` });
  };

  const resolveToken = (file: string, _content: string, raw: string, start: number): VersionToken | undefined => {
    const prop = /^\$\{?([\w.]+)\}?$/.exec(raw)?.[1];
    if (prop === undefined) return { file, value: raw, start, end: start + raw.length };
    return findDefinition(scan, file, prop.replace(/^(project|rootProject)\./, ''));
  };

  for (const [file, content] of scan.files) {
    if (isScript(file)) {
      // "group:name:version[:classifier][@ext]"
      const gav = new RegExp(`(["'])(${grp}):(${art}):([^"'\\s:@]+)((?::[\\w.\\-]+)?(?:@\\w+)?)\\1`, 'g');
      for (const m of content.matchAll(gav)) {
        const start = m.index + 1 + m[2]!.length + 1 + m[3]!.length + 1;
        handle(file, content, m.index, `${m[2]}:${m[3]}`, resolveToken(file, content, m[4]!, start), m[4]!, 'dependency');
      }
      // group: 'g', name: 'a', version: 'v'   |   group = "g", name = "a", version = "v"
      const map = new RegExp(`group\\s*[:=]\\s*(["'])(${grp})\\1\\s*,\\s*name\\s*[:=]\\s*(["'])(${art})\\3\\s*,\\s*version\\s*[:=]\\s*(["'])([^"']+)\\5`, 'g');
      for (const m of content.matchAll(map)) {
        const start = m.index + m[0].length - 1 - m[6]!.length;
        handle(file, content, m.index, `${m[2]}:${m[4]}`, resolveToken(file, content, m[6]!, start), m[6]!, 'dependency');
      }
      // "group:name" without a version: a platform/BOM or the catalog manages it
      const bare = new RegExp(`(["'])(${grp}):(${art})\\1`, 'g');
      for (const m of content.matchAll(bare)) {
        addReport({ file, subject: `${m[2]}:${m[3]}`, line: lineAt(content, m.index), to: o.toVersion, outcome: 'skipped', reason: 'managed-by-bom', detail: 'no version: a platform or BOM manages it' });
      }
      // plugins { id("x") version "v" } when asked for the plugin marker <id>:<id>.gradle.plugin
      if (o.artifactId === `${o.groupId}.gradle.plugin`) {
        const plugin = new RegExp(`\\bid\\s*\\(?\\s*(["'])${grp}\\1\\s*\\)?\\s*version\\s*\\(?\\s*(["'])([^"']+)\\2`, 'g');
        for (const m of content.matchAll(plugin)) {
          const start = m.index + m[0].length - 1 - m[3]!.length;
          handle(file, content, m.index, o.groupId, resolveToken(file, content, m[3]!, start), m[3]!, 'plugin');
        }
      }
    } else if (file.endsWith('.versions.toml')) {
      planCatalog(file, content, o, grp, art, handle);
    }
  }
  return plan;
}

function planCatalog(
  file: string,
  content: string,
  o: GradleOptions,
  grp: string,
  art: string,
  handle: (file: string, content: string, at: number, subject: string, token: VersionToken | undefined, raw: string, where: string) => void,
): void {
  const versions = new Map<string, VersionToken>();
  let table = '';
  let offset = 0;
  const lines = content.split('\n').map((text) => {
    const at = offset;
    offset += text.length + 1;
    return { text, at };
  });
  for (const { text, at } of lines) {
    const header = /^\s*\[([\w.-]+)\]\s*(#.*)?$/.exec(text);
    if (header) {
      table = header[1]!;
      continue;
    }
    if (table === 'versions') {
      const m = /^\s*([\w.-]+)\s*=\s*"([^"]*)"/.exec(text);
      if (m) versions.set(m[1]!, { file, value: m[2]!, start: at + m[0].length - 1 - m[2]!.length, end: at + m[0].length - 1 });
    }
  }
  table = '';
  for (const { text, at } of lines) {
    const header = /^\s*\[([\w.-]+)\]\s*(#.*)?$/.exec(text);
    if (header) {
      table = header[1]!;
      continue;
    }
    if (table !== 'libraries') continue;
    const short = new RegExp(`=\\s*"(${grp}):(${art}):([^"]+)"`).exec(text);
    if (short) {
      const start = at + short.index + short[0].length - 1 - short[3]!.length;
      handle(file, content, at, `${short[1]}:${short[2]}`, { file, value: short[3]!, start, end: start + short[3]!.length }, short[3]!, 'version catalog');
      continue;
    }
    const module = new RegExp(`module\\s*=\\s*"(${grp}):(${art})"`).exec(text);
    const split = new RegExp(`group\\s*=\\s*"(${grp})"\\s*,\\s*name\\s*=\\s*"(${art})"`).exec(text);
    const coords = module ?? split;
    if (!coords) continue;
    const subject = `${coords[1]}:${coords[2]}`;
    const ref = /version\.ref\s*=\s*"([\w.-]+)"/.exec(text);
    const inline = /version\s*=\s*"([^"]+)"/.exec(text);
    if (ref) handle(file, content, at, subject, versions.get(ref[1]!), `$${ref[1]}`, 'version catalog');
    else if (inline) {
      const start = at + inline.index + inline[0].length - 1 - inline[1]!.length;
      handle(file, content, at, subject, { file, value: inline[1]!, start, end: start + inline[1]!.length }, inline[1]!, 'version catalog');
    }
  }
  void o;
}

export function scanGradle(files: readonly SourceFile[]): GradleScan {
  return { files: new Map(files.filter((f) => isGradleFile(f.path)).map((f) => [f.path, f.content])) };
}

export function applyGradle(content: string, options: GradleOptions, ctx: RecipeContext<GradleScan>): EditResult {
  let scan = ctx.scan;
  if (!scan || scan.files.get(ctx.path) !== content) scan = { files: new Map([...(scan?.files ?? []), [ctx.path, content]]) };
  const plan = planUpgrade(scan, options);
  const report = plan.report.get(ctx.path) ?? [];
  return {
    content: applyEdits(content, plan.edits.get(ctx.path) ?? []),
    report: report.length > 0 ? report : [{ file: ctx.path, subject: `${options.groupId}:${options.artifactId}`, outcome: 'not-found' }],
  };
}
