import type { EditResult, RecipeContext, ReportEntry } from '../recipe';
import { lineAt } from '../errors';
import { isDockerfile } from '../docker/update';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import { child, children, textOf, type XmlElement } from '@shipshape/manifests';
import { parseXml } from '../shared/parse';
import type { JdkOptions } from './schema';

export function isJdkFile(path: string): boolean {
  return /(^|\/)pom\.xml$/.test(path) || /\.gradle(\.kts)?$/.test(path) || isDockerfile(path) || /(^|\/)\.java-version$/.test(path) || /(^|\/)toolchains\.xml$/.test(path);
}

/** 1.8 → 8, 17 → 17, 17.0.10 → 17; undefined when not a Java version. */
function feature(v: string): number | undefined {
  const m = /^(?:1\.)?(\d+)(?:[._+-].*)?$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

const MAVEN_PROPERTIES = ['maven.compiler.source', 'maven.compiler.target', 'maven.compiler.release', 'maven.compiler.testSource', 'maven.compiler.testTarget', 'maven.compiler.testRelease', 'java.version', 'jdk.version', 'java.release'];

class Collector {
  readonly edits: TextEdit[] = [];
  readonly report: ReportEntry[] = [];
  constructor(
    private readonly content: string,
    private readonly file: string,
    private readonly to: string,
  ) {}

  /** A version token at [start, end) whose text is `value`; `render` gives the new text. */
  version(subject: string, value: string, start: number, end: number, render: (to: string) => string = (t) => t): void {
    const line = lineAt(this.content, start);
    const current = feature(value);
    const base = { file: this.file, subject, line, from: value, to: render(this.to) };
    if (value.includes('$')) return; // a property reference: the property itself is edited where defined
    if (current === undefined) this.report.push({ ...base, outcome: 'skipped', reason: 'unsupported-spec' });
    else if (current === Number(this.to)) this.report.push({ ...base, outcome: 'already-at-target' });
    else if (current > Number(this.to)) this.report.push({ ...base, outcome: 'skipped', reason: 'newer-than-target' });
    else {
      this.edits.push({ start, end, text: render(this.to) });
      this.report.push({ ...base, outcome: 'updated' });
    }
  }
}

function pom(content: string, c: Collector, file: string): void {
  const { root } = parseXml(content, file);
  const leaf = (subject: string, el: XmlElement | undefined) => {
    const t = textOf(content, el);
    if (t) c.version(subject, t.value, t.start, t.end);
  };
  const sections = [root, ...children(child(root, 'profiles'), 'profile')];
  for (const s of sections) {
    for (const p of child(s, 'properties')?.children ?? []) if (MAVEN_PROPERTIES.includes(p.name)) leaf(p.name, p);
    for (const plugins of [child(child(s, 'build'), 'plugins'), child(child(child(s, 'build'), 'pluginManagement'), 'plugins')]) {
      for (const plugin of children(plugins, 'plugin')) {
        const id = textOf(content, child(plugin, 'artifactId'))?.value;
        const conf = child(plugin, 'configuration');
        if (id === 'maven-compiler-plugin') for (const n of ['source', 'target', 'release']) leaf(`maven-compiler-plugin ${n}`, child(conf, n));
        if (id === 'maven-toolchains-plugin') leaf('maven-toolchains-plugin jdk version', child(child(child(conf, 'toolchains'), 'jdk'), 'version'));
        if (id === 'maven-enforcer-plugin') continue; // requireJavaVersion ranges are left to people
      }
    }
  }
}

function gradle(content: string, c: Collector): void {
  const patterns: [RegExp, string, (to: string, m: RegExpMatchArray) => string][] = [
    [/\b(source|target)Compatibility\s*=\s*(['"])(1\.\d+|\d+)\2/g, 'Compatibility', (to) => to],
    [/\b(source|target)Compatibility\s*=\s*JavaVersion\.VERSION_(1_\d+|\d+)/g, 'JavaVersion', (to) => to],
    [/\bJavaLanguageVersion\.of\(\s*(\d+)\s*\)/g, 'JavaLanguageVersion', (to) => to],
    [/\bjvmToolchain\(\s*(\d+)\s*\)/g, 'jvmToolchain', (to) => to],
    [/\bjvmTarget\s*=\s*(['"])(1\.\d+|\d+)\1/g, 'jvmTarget', (to) => to],
    [/\bJvmTarget\.JVM_(1_\d+|\d+)/g, 'JvmTarget', (to) => to],
  ];
  for (const [re, subject] of patterns) {
    for (const m of content.matchAll(re)) {
      const value = m[m.length - 1]!;
      const start = m.index + m[0].lastIndexOf(value);
      c.version(subject === 'Compatibility' ? `${m[1]}Compatibility` : subject, value.replace('_', '.'), start, start + value.length);
    }
  }
}

/** Base images whose tag names the JDK: eclipse-temurin:17-jre, openjdk:17-jdk-slim, amazoncorretto:17, maven:3.9-eclipse-temurin-17, gradle:8.5-jdk17. */
function dockerfile(content: string, c: Collector): void {
  const from = /^([ \t]*FROM[ \t]+(?:--[\w-]+=\S+[ \t]+)*)(\S+)/gim;
  for (const m of content.matchAll(from)) {
    const ref = m[2]!;
    const colon = ref.lastIndexOf(':');
    if (colon < 0 || ref.includes('@') || ref.includes('$')) continue;
    const image = ref.slice(0, colon);
    const tag = ref.slice(colon + 1);
    const tagStart = m.index + m[1]!.length + colon + 1;
    const name = image.split('/').at(-1)!;
    if (/^(eclipse-temurin|openjdk|amazoncorretto|ibm-semeru-runtimes|azul\/zulu-openjdk|zulu-openjdk|sapmachine|bellsoft\/liberica-openjdk-\w+|liberica-openjdk-\w+)$/.test(name) || /(^|\/)(eclipse-temurin|openjdk|amazoncorretto|sapmachine|zulu-openjdk)$/.test(image)) {
      const t = /^(1\.)?(\d+)([\d._+u]*)(.*)$/.exec(tag);
      if (!t) continue;
      const suffix = t[4]!.replace(/^-?(?=\D)/, '-').replace(/^-$/, '');
      c.version(`${image} base image`, tag, tagStart, tagStart + tag.length, (to) => `${to}${suffix}`);
      continue;
    }
    const embedded = /(temurin|jdk|jre|corretto|openjdk|zulu|semeru|sapmachine|liberica)-?(\d+)/.exec(tag);
    if (embedded && /^(maven|gradle|sbt)$/.test(name)) {
      const s = tagStart + embedded.index + embedded[0].length - embedded[2]!.length;
      c.version(`${image} base image`, embedded[2]!, s, s + embedded[2]!.length);
    }
  }
}

export function applyJdk(content: string, options: JdkOptions, ctx: RecipeContext): EditResult {
  const c = new Collector(content, ctx.path, options.toVersion);
  const path = ctx.path;
  if (/(^|\/)pom\.xml$/.test(path)) pom(content, c, path);
  else if (/(^|\/)toolchains\.xml$/.test(path)) {
    const { root } = parseXml(content, path);
    for (const tc of children(root, 'toolchain')) {
      const t = textOf(content, child(child(tc, 'provides'), 'version'));
      if (t) c.version('toolchains.xml jdk version', t.value, t.start, t.end);
    }
  } else if (/\.gradle(\.kts)?$/.test(path)) gradle(content, c);
  else if (/(^|\/)\.java-version$/.test(path)) {
    const value = content.trim();
    const start = content.indexOf(value);
    c.version('.java-version', value, start, start + value.length);
  } else if (isDockerfile(path)) dockerfile(content, c);
  return {
    content: applyEdits(content, c.edits),
    report: c.report.length > 0 ? c.report : [{ file: path, subject: 'java version', outcome: 'not-found' }],
  };
}
