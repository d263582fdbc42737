import { posix } from 'node:path';
import type { EditResult, RecipeContext, ReportEntry, SourceFile } from '../recipe';
import { lineAt } from '../errors';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import { child, children, compareVersions, isMavenRange, textOf, type XmlElement, type XmlText } from '@shipshape/manifests';
import { parseXml } from '../shared/parse';
import type { MavenOptions } from './schema';

/** One pom.xml as the scan sees it. */
interface Pom {
  readonly path: string;
  readonly content: string;
  readonly groupId: string | undefined;
  readonly artifactId: string | undefined;
  readonly parent: { groupId: string; artifactId: string; relativePath: string } | undefined;
  readonly properties: ReadonlyMap<string, { el: XmlElement; text: XmlText | undefined }>;
  readonly holders: readonly Holder[];
}

type Place = 'dependency' | 'dependencyManagement' | 'bom-import' | 'plugin' | 'pluginManagement' | 'parent' | 'extension';

/** A `<dependency>`, `<plugin>`, `<parent>` or `<extension>` with coordinates. */
interface Holder {
  readonly place: Place;
  readonly groupId: string;
  readonly artifactId: string;
  readonly el: XmlElement;
  readonly version: XmlText | undefined;
  readonly hasVersionElement: boolean;
}

/** What the scan of every pom.xml in the checkout found. */
export interface MavenScan {
  readonly poms: ReadonlyMap<string, Pom>;
}

export function isPom(path: string): boolean {
  return path === 'pom.xml' || path.endsWith('/pom.xml');
}

export function scanPoms(files: readonly SourceFile[]): MavenScan {
  const poms = new Map<string, Pom>();
  for (const f of files) if (isPom(f.path)) poms.set(f.path, readPom(f));
  return { poms };
}

function readPom({ path, content }: SourceFile): Pom {
  const { root } = parseXml(content, path);
  const value = (el: XmlElement | undefined) => textOf(content, el)?.value;
  const parentEl = child(root, 'parent');
  const parent = parentEl
    ? {
        groupId: value(child(parentEl, 'groupId')) ?? '',
        artifactId: value(child(parentEl, 'artifactId')) ?? '',
        relativePath: child(parentEl, 'relativePath') ? (value(child(parentEl, 'relativePath')) ?? '') : '../pom.xml',
      }
    : undefined;
  const properties = new Map<string, { el: XmlElement; text: XmlText | undefined }>();
  for (const p of child(root, 'properties')?.children ?? []) properties.set(p.name, { el: p, text: textOf(content, p) });

  const holders: Holder[] = [];
  const holder = (place: Place, el: XmlElement, defaultGroup?: string) => {
    const groupId = value(child(el, 'groupId')) ?? defaultGroup;
    const artifactId = value(child(el, 'artifactId'));
    if (!groupId || !artifactId) return;
    const versionEl = child(el, 'version');
    const isImport = value(child(el, 'scope')) === 'import' && value(child(el, 'type')) === 'pom';
    holders.push({
      place: place === 'dependencyManagement' && isImport ? 'bom-import' : place,
      groupId,
      artifactId,
      el,
      version: textOf(content, versionEl),
      hasVersionElement: versionEl !== undefined,
    });
  };
  const deps = (container: XmlElement | undefined, place: Place) => {
    for (const d of children(child(container, 'dependencies'), 'dependency')) holder(place, d);
  };
  const build = (b: XmlElement | undefined) => {
    for (const p of children(child(b, 'plugins'), 'plugin')) {
      holder('plugin', p, 'org.apache.maven.plugins');
      deps(p, 'dependency');
    }
    for (const p of children(child(child(b, 'pluginManagement'), 'plugins'), 'plugin')) {
      holder('pluginManagement', p, 'org.apache.maven.plugins');
      deps(p, 'dependency');
    }
    for (const e of children(child(b, 'extensions'), 'extension')) holder('extension', e);
  };
  const section = (s: XmlElement | undefined) => {
    deps(s, 'dependency');
    deps(child(s, 'dependencyManagement'), 'dependencyManagement');
    build(child(s, 'build'));
  };
  if (parentEl) holder('parent', parentEl);
  section(root);
  for (const profile of children(child(root, 'profiles'), 'profile')) section(profile);

  return {
    path,
    content,
    groupId: value(child(root, 'groupId')) ?? parent?.groupId,
    artifactId: value(child(root, 'artifactId')),
    parent,
    properties,
    holders,
  };
}

/** The parent pom inside the checkout, or undefined when the parent lives outside (or there is none). */
function parentInRepo(scan: MavenScan, pom: Pom): Pom | undefined {
  if (!pom.parent) return undefined;
  const dir = posix.dirname(pom.path);
  let rel = posix.normalize(posix.join(dir, pom.parent.relativePath));
  if (!rel.endsWith('.xml')) rel = posix.join(rel, 'pom.xml');
  const byPath = scan.poms.get(rel);
  const matches = (p: Pom | undefined) => p && p.groupId === pom.parent!.groupId && p.artifactId === pom.parent!.artifactId;
  if (matches(byPath)) return byPath;
  return [...scan.poms.values()].find((p) => p !== pom && matches(p));
}

/** The chain self → parent → … inside the checkout, and whether it ends at a parent outside it. */
function lineage(scan: MavenScan, pom: Pom): { chain: Pom[]; externalParent: boolean } {
  const chain = [pom];
  let at = pom;
  for (;;) {
    const up = parentInRepo(scan, at);
    if (!up) return { chain, externalParent: at.parent !== undefined };
    if (chain.includes(up)) return { chain, externalParent: false };
    chain.push(up);
    at = up;
  }
}

const PROJECT_VERSION_PROPS = new Set(['project.version', 'project.parent.version', 'version', 'pom.version']);

interface Plan {
  readonly edits: Map<string, TextEdit[]>;
  readonly report: Map<string, ReportEntry[]>;
}

function planUpgrade(scan: MavenScan, options: MavenOptions): Plan {
  const edits = new Map<string, TextEdit[]>();
  const report = new Map<string, ReportEntry[]>();
  const addEdit = (file: string, e: TextEdit) => {
    const list = edits.get(file) ?? [];
    if (!list.some((x) => x.start === e.start)) list.push(e);
    edits.set(file, list);
  };
  const addReport = (r: ReportEntry) => report.set(r.file, [...(report.get(r.file) ?? []), r]);
  const matches = (h: Holder) => h.groupId === options.groupId && (options.artifactId === '*' || h.artifactId === options.artifactId);

  for (const pom of scan.poms.values()) {
    const { chain, externalParent } = lineage(scan, pom);
    for (const h of pom.holders.filter(matches)) {
      const subject = `${h.groupId}:${h.artifactId}`;
      const base = { file: pom.path, subject, line: lineAt(pom.content, h.el.start), to: options.toVersion };
      const where = placeLabel(h.place);

      if (!h.hasVersionElement) {
        if (h.place !== 'dependency') {
          addReport({ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: `${where} without a version` });
          continue;
        }
        const managedInRepo = chain.some((p) => p.holders.some((x) => matches(x) && x.place === 'dependencyManagement' && x.hasVersionElement));
        if (managedInRepo) continue; // the dependencyManagement entry reports (and is edited)
        const bom = chain.some((p) => p.holders.some((x) => x.place === 'bom-import'));
        if (externalParent) addReport({ ...base, outcome: 'skipped', reason: 'managed-by-parent-outside-repo', detail: `version comes from parent ${chain.at(-1)!.parent!.groupId}:${chain.at(-1)!.parent!.artifactId}` });
        else if (bom) addReport({ ...base, outcome: 'skipped', reason: 'managed-by-bom', detail: 'version comes from an imported BOM' });
        else addReport({ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: 'no version and nothing in the repository manages it' });
        continue;
      }
      const v = h.version;
      if (!v) {
        addReport({ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: `${where}: version element is not plain text` });
        continue;
      }
      const prop = /^\$\{([^}]+)\}$/.exec(v.value)?.[1];
      if (prop === undefined) {
        if (v.value.includes('${')) {
          addReport({ ...base, from: v.value, outcome: 'skipped', reason: 'unsupported-spec', detail: `${where}: version mixes text and properties` });
          continue;
        }
        const decision = decide(v.value, options.toVersion);
        if (decision.outcome === 'updated') addEdit(pom.path, { start: v.start, end: v.end, text: options.toVersion });
        addReport({ ...base, from: v.value, ...decision, detail: where });
        continue;
      }
      if (PROJECT_VERSION_PROPS.has(prop)) {
        addReport({ ...base, from: v.value, outcome: 'skipped', reason: 'version-from-project', detail: `${where}: version is \${${prop}}` });
        continue;
      }
      const definer = chain.find((p) => p.properties.has(prop));
      if (!definer) {
        addReport(
          externalParent
            ? { ...base, from: v.value, outcome: 'skipped', reason: 'managed-by-parent-outside-repo', detail: `property ${prop} is not defined in the repository (parent outside it)` }
            : { ...base, from: v.value, outcome: 'skipped', reason: 'undefined-property', detail: `property ${prop} is not defined` },
        );
        continue;
      }
      const def = definer.properties.get(prop)!;
      if (!def.text) {
        addReport({ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: `property ${prop} is not plain text` });
        continue;
      }
      if (def.text.value.includes('${')) {
        addReport({ ...base, from: def.text.value, outcome: 'skipped', reason: 'unsupported-spec', detail: `property ${prop} refers to other properties` });
        continue;
      }
      const decision = decide(def.text.value, options.toVersion);
      if (decision.outcome === 'updated') addEdit(definer.path, { start: def.text.start, end: def.text.end, text: options.toVersion });
      const via = definer === pom ? `property ${prop}` : `property ${prop} in ${definer.path}`;
      addReport({ ...base, from: def.text.value, ...decision, detail: `${where} via ${via}` });
      if (definer !== pom && decision.outcome === 'updated') {
        addReport({ file: definer.path, subject, line: lineAt(definer.content, def.el.start), from: def.text.value, to: options.toVersion, outcome: 'updated', detail: `property ${prop} (used by ${pom.path})` });
      }
    }
  }
  return { edits, report };
}

function decide(current: string, target: string): Pick<ReportEntry, 'outcome' | 'reason'> {
  if (current === target) return { outcome: 'already-at-target' };
  if (isMavenRange(current)) return { outcome: 'skipped', reason: 'version-range' };
  if (compareVersions(current, target) > 0) return { outcome: 'skipped', reason: 'newer-than-target' };
  return { outcome: 'updated' };
}

function placeLabel(place: Place): string {
  switch (place) {
    case 'dependency':
      return 'dependency';
    case 'dependencyManagement':
      return 'dependencyManagement';
    case 'bom-import':
      return 'BOM import';
    case 'plugin':
      return 'plugin';
    case 'pluginManagement':
      return 'pluginManagement';
    case 'parent':
      return 'parent';
    case 'extension':
      return 'build extension';
    default: {
      const never: never = place;
      return never;
    }
  }
}

export function applyMaven(content: string, options: MavenOptions, ctx: RecipeContext<MavenScan>): EditResult {
  let scan = ctx.scan;
  if (!scan || scan.poms.get(ctx.path)?.content !== content) {
    const others = scan ? [...scan.poms.values()].filter((p) => p.path !== ctx.path) : [];
    scan = scanPoms([...others, { path: ctx.path, content }]);
  }
  const plan = planUpgrade(scan, options);
  const report = plan.report.get(ctx.path) ?? [];
  const next = applyEdits(content, plan.edits.get(ctx.path) ?? []);
  return {
    content: next,
    report: report.length > 0 ? report : [{ file: ctx.path, subject: `${options.groupId}:${options.artifactId}`, outcome: 'not-found' }],
  };
}
