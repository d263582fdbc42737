import { ManifestInputError } from '../errors';
import type { ComponentDeclaration, DeclarationKind, DeclarationProblem, FileTree, SourceLocation } from '../model';
import { dirOf } from '../shared/lines';
import { normaliseJava } from '../maven/maven-extractor';

interface Located {
  readonly value: string;
  readonly at: SourceLocation;
}

interface CatalogLibrary {
  readonly module: string;
  readonly version: Located | undefined;
  readonly versionRef: string | undefined;
  readonly at: SourceLocation;
}

export interface VersionCatalog {
  readonly file: string;
  readonly versions: ReadonlyMap<string, Located>;
  readonly libraries: ReadonlyMap<string, CatalogLibrary>;
  readonly bundles: ReadonlyMap<string, readonly string[]>;
  readonly plugins: ReadonlyMap<string, CatalogLibrary>;
}

/** Catalog accessors use dots where keys use `-`, `_` or `.`: `spring-boot-web` ↔ `libs.spring.boot.web`. */
const accessor = (key: string) => key.replace(/[-_]/g, '.');

/** A minimal reader for `libs.versions.toml` (the subset version catalogs use); throws on a malformed line. */
export function readVersionCatalog(file: string, content: string): VersionCatalog {
  const versions = new Map<string, Located>();
  const libraries = new Map<string, CatalogLibrary>();
  const bundles = new Map<string, string[]>();
  const plugins = new Map<string, CatalogLibrary>();
  let table = '';
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const at = { file, line: i + 1 };
    let text = lines[i]!.replace(/\s+#.*$/, '').trim();
    if (text === '' || text.startsWith('#')) continue;
    const header = /^\[([\w.-]+)\]$/.exec(text);
    if (header) {
      table = header[1]!;
      continue;
    }
    const kv = /^([\w.-]+|"[^"]+")\s*=\s*(.+)$/.exec(text);
    if (!kv) throw new ManifestInputError(`expected key = value, got "${text}"`, file, i + 1);
    const key = kv[1]!.replace(/"/g, '');
    let value = kv[2]!;
    if (value.startsWith('[') && !value.includes(']')) {
      while (++i < lines.length && !value.includes(']')) value += lines[i]!.replace(/#.*$/, '').trim();
      text = value;
    }
    if (table === 'versions') {
      const s = /^["']([^"']*)["']$/.exec(value)?.[1] ?? /strictly\s*=\s*"([^"]+)"|require\s*=\s*"([^"]+)"|prefer\s*=\s*"([^"]+)"/.exec(value)?.slice(1).find(Boolean);
      if (s === undefined) throw new ManifestInputError(`unreadable version "${value}"`, file, i + 1);
      versions.set(accessor(key), { value: s, at });
    } else if (table === 'libraries' || table === 'plugins') {
      let lib: CatalogLibrary;
      const simple = /^"([^"]+)"$/.exec(value)?.[1];
      if (simple) {
        const parts = simple.split(':');
        lib = table === 'plugins'
          ? { module: parts[0]!, version: parts[1] ? { value: parts[1], at } : undefined, versionRef: undefined, at }
          : { module: `${parts[0]}:${parts[1]}`, version: parts[2] ? { value: parts[2], at } : undefined, versionRef: undefined, at };
      } else if (value.startsWith('{')) {
        const field = (name: string) => new RegExp(`(?:^|[{,\\s])${name.replace('.', '\\.')}\\s*=\\s*"([^"]+)"`).exec(value)?.[1];
        const module = field('module') ?? (field('group') ? `${field('group')}:${field('name')}` : field('id'));
        if (!module) throw new ManifestInputError(`${table} entry "${key}" has no module, group/name or id`, file, i + 1);
        const version = field('version');
        lib = { module, version: version ? { value: version, at } : undefined, versionRef: field('version.ref'), at };
      } else throw new ManifestInputError(`unreadable ${table} entry "${key}"`, file, i + 1);
      (table === 'plugins' ? plugins : libraries).set(accessor(key), lib);
    } else if (table === 'bundles') {
      bundles.set(accessor(key), [...value.matchAll(/"([^"]+)"/g)].map((m) => accessor(m[1]!)));
    }
  }
  return { file, versions, libraries, bundles, plugins };
}

/** `key=value` lines of a gradle.properties file. */
function readProperties(file: string, content: string): Map<string, Located> {
  const out = new Map<string, Located>();
  content.split('\n').forEach((l, i) => {
    const m = /^\s*([\w.-]+)\s*[=:]\s*(.*?)\s*$/.exec(l);
    if (m && !l.trimStart().startsWith('#')) out.set(m[1]!, { value: m[2]!, at: { file, line: i + 1 } });
  });
  return out;
}

const CONFIGURATION = /^(\w*(?:implementation|api|compileOnly|runtimeOnly|annotationProcessor|kapt|ksp|classpath|compile|runtime|developmentOnly))$/i;
const STRING_DEP = /\b(\w+)\s*\(?\s*(?:(platform|enforcedPlatform)\s*\(\s*)?["']([^"'\s:]+):([^"'\s:]+)(?::([^"'\s]+))?["']/g;
const MAP_DEP = /\b(\w+)\s*\(?\s*group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)["'](?:\s*,\s*version\s*[:=]\s*["']([^"']+)["'])?/g;
const CATALOG_DEP = /\b(\w+)\s*\(\s*(?:(platform|enforcedPlatform)\s*\(\s*)?libs\.([\w.]+)/g;
const PLUGIN_ID = /\b(?:id\s*\(?\s*["']([^"']+)["']\s*\)?|kotlin\s*\(\s*"([^"]+)"\s*\))\s*version\s*\(?\s*["']([^"']+)["']/g;
const PLUGIN_ALIAS = /\balias\s*\(\s*libs\.plugins\.([\w.]+)\s*\)/g;
const LOCAL_VAR = /^\s*(?:val|def|var)\s+(\w+)\s*(?::\s*String\s*)?=\s*["']([^"'$]+)["']|^\s*(?:ext\.|extra\[")?(\w+)"?\]?\s*=\s*["']([^"'$]+)["']|^\s*(?:extra\.)?set\s*\(\s*"(\w+)"\s*,\s*"([^"$]+)"\s*\)/;

/**
 * Extracts Gradle components from build.gradle(.kts) files: string, map and catalog notations,
 * `platform(...)` BOMs, plugins (id + version, catalog aliases), versions through `$x`/`${x}`
 * (script variables, ext/extra, gradle.properties) or the version catalog, and the JDK level
 * (toolchain, jvmToolchain, sourceCompatibility).
 */
export function extractGradle(tree: FileTree, scripts: readonly string[], onError: (file: string, err: unknown) => void): ComponentDeclaration[] {
  const files = new Set(tree.files);
  let catalog: VersionCatalog | undefined;
  if (files.has('gradle/libs.versions.toml')) {
    try {
      catalog = readVersionCatalog('gradle/libs.versions.toml', tree.read('gradle/libs.versions.toml'));
    } catch (err) {
      onError('gradle/libs.versions.toml', err);
    }
  }
  const rootProps = files.has('gradle.properties') ? readProperties('gradle.properties', tree.read('gradle.properties')) : new Map<string, Located>();
  const rootScriptVars = new Map<string, Located>();
  for (const root of ['build.gradle', 'build.gradle.kts']) if (files.has(root)) for (const [k, v] of scriptVars(root, tree.read(root))) rootScriptVars.set(k, v);
  const out: ComponentDeclaration[] = [];
  for (const script of scripts) {
    const module = dirOf(script);
    const content = tree.read(script);
    const modProps = module && files.has(`${module}/gradle.properties`) ? readProperties(`${module}/gradle.properties`, tree.read(`${module}/gradle.properties`)) : new Map<string, Located>();
    const vars = scriptVars(script, content);
    const lookup = (name: string): Located | undefined => vars.get(name) ?? modProps.get(name) ?? rootScriptVars.get(name) ?? rootProps.get(name);
    const resolve = (raw: string, at: SourceLocation): { value: string | null; at: SourceLocation | null; via?: string; problem?: DeclarationProblem } => {
      if (!raw.includes('$')) return { value: raw, at };
      const catalogRef = /\$\{?libs\.versions\.([\w.]+?)(?:\.get\(\))?\}/.exec(raw);
      if (catalogRef) {
        const v = catalog?.versions.get(catalogRef[1]!);
        return v ? { value: raw.replace(catalogRef[0], v.value), at: v.at, via: `libs.versions.${catalogRef[1]}` } : { value: null, at: null, via: catalogRef[1], problem: { kind: 'unknown-catalog-entry', alias: `libs.versions.${catalogRef[1]}` } };
      }
      const ref = /\$\{(?:project\.)?(?:property\(\s*"|rootProject\.extra\["|extra\[")?([\w.]+?)(?:"\s*\)|"\])?\}|\$(\w+)/.exec(raw);
      const name = ref?.[1] ?? ref?.[2];
      const def = name ? lookup(name) : undefined;
      if (!ref || !name || !def) return { value: null, at: null, ...(name ? { via: name } : {}), problem: { kind: 'undefined-property', property: name ?? raw } };
      return { value: raw.replace(ref[0], def.value), at: def.at, via: name };
    };
    const lines = content.split('\n');
    lines.forEach((rawLine, i) => {
      const text = rawLine.replace(/\/\/.*$/, '');
      if (text.trimStart().startsWith('*') || text.trimStart().startsWith('/*')) return;
      const at = { file: script, line: i + 1 };
      const push = (name: string, version: string | undefined, kind: DeclarationKind, scope: string | undefined) => {
        const r = version === undefined ? { value: null, at: null, problem: { kind: 'no-version' } as DeclarationProblem } : resolve(version, at);
        out.push({
          ecosystem: 'maven',
          name,
          version: r.value,
          direct: true,
          kind: version?.includes('$') && kind === 'direct' ? 'property' : kind,
          declaredAt: at,
          versionAt: r.at,
          ...('via' in r && r.via ? { via: r.via } : {}),
          ...(scope ? { scope } : {}),
          module,
          ...(r.problem ? { problem: r.problem } : {}),
        });
      };
      for (const m of text.matchAll(STRING_DEP)) {
        if (!CONFIGURATION.test(m[1]!) && !m[2]) continue;
        push(`${m[3]}:${m[4]}`, m[5], m[2] ? 'bom-import' : 'direct', m[1]);
      }
      for (const m of text.matchAll(MAP_DEP)) if (CONFIGURATION.test(m[1]!)) push(`${m[2]}:${m[3]}`, m[4], 'direct', m[1]);
      for (const m of text.matchAll(CATALOG_DEP)) {
        if (!CONFIGURATION.test(m[1]!) && !m[2]) continue;
        const path = m[3]!.replace(/\.get\(\)$/, '');
        if (path.startsWith('versions.') || path.startsWith('plugins.')) continue;
        const aliases = path.startsWith('bundles.') ? (catalog?.bundles.get(path.slice(8)) ?? [path]) : [path];
        for (const alias of aliases) {
          const lib = catalog?.libraries.get(alias);
          if (!lib) {
            out.push({ ecosystem: 'maven', name: `libs.${alias}`, version: null, direct: true, kind: 'version-catalog', declaredAt: at, versionAt: null, scope: m[1]!, module, problem: { kind: 'unknown-catalog-entry', alias: `libs.${alias}` } });
            continue;
          }
          out.push(catalogDeclaration(catalog!, lib, alias, m[2] ? 'bom-import' : 'version-catalog', at, m[1]!, module));
        }
      }
      for (const m of text.matchAll(PLUGIN_ID)) {
        const id = m[1] ?? `org.jetbrains.kotlin.${m[2]}`;
        const r = resolve(m[3]!, at);
        out.push({ ecosystem: 'maven', name: id, version: r.value, direct: true, kind: 'plugin', declaredAt: at, versionAt: r.at, ...(r.via ? { via: r.via } : {}), module, ...(r.problem ? { problem: r.problem } : {}) });
      }
      for (const m of text.matchAll(PLUGIN_ALIAS)) {
        const p = catalog?.plugins.get(m[1]!);
        if (p) out.push({ ...catalogDeclaration(catalog!, p, m[1]!, 'plugin', at, undefined, module), via: `libs.plugins.${m[1]}` });
        else out.push({ ecosystem: 'maven', name: `libs.plugins.${m[1]}`, version: null, direct: true, kind: 'plugin', declaredAt: at, versionAt: null, module, problem: { kind: 'unknown-catalog-entry', alias: `libs.plugins.${m[1]}` } });
      }
      const toolchain = /languageVersion(?:\.set\(|\s*=\s*)\s*JavaLanguageVersion\.of\(\s*["']?(\d+)["']?\s*\)|jvmToolchain\(\s*(\d+)\s*\)/.exec(text);
      const compat = /\b(?:sourceCompatibility|targetCompatibility)\s*=\s*(?:JavaVersion\.VERSION_([\d_]+)|["']?([\d.]+)["']?)/.exec(text);
      if (toolchain || compat) {
        const v = toolchain ? (toolchain[1] ?? toolchain[2])! : (compat![1]?.replace(/_/g, '.') ?? compat![2])!;
        out.push({ ecosystem: 'jdk', name: 'java', version: normaliseJava(v), direct: true, kind: toolchain ? 'toolchain' : 'compiler-setting', declaredAt: at, versionAt: at, via: toolchain ? 'java toolchain' : /targetCompatibility/.test(text) && !/sourceCompatibility/.test(text) ? 'targetCompatibility' : 'sourceCompatibility', module });
      }
    });
  }
  return dedupeJdk(out);
}

/** One JDK declaration per script: the toolchain wins over source/targetCompatibility. */
function dedupeJdk(all: ComponentDeclaration[]): ComponentDeclaration[] {
  const firstJdk = new Map<string, ComponentDeclaration>();
  for (const d of all) {
    if (d.ecosystem !== 'jdk') continue;
    const prev = firstJdk.get(d.declaredAt.file);
    if (!prev || (prev.kind !== 'toolchain' && d.kind === 'toolchain')) firstJdk.set(d.declaredAt.file, d);
  }
  return all.filter((d) => d.ecosystem !== 'jdk' || firstJdk.get(d.declaredAt.file) === d);
}

function catalogDeclaration(
  catalog: VersionCatalog,
  lib: CatalogLibrary,
  alias: string,
  kind: DeclarationKind,
  at: SourceLocation,
  scope: string | undefined,
  module: string,
): ComponentDeclaration {
  const ref = lib.versionRef ? catalog.versions.get(accessor(lib.versionRef)) : undefined;
  const version = lib.version ?? ref;
  const problem: DeclarationProblem | undefined = lib.versionRef && !ref ? { kind: 'undefined-property', property: lib.versionRef } : !version ? { kind: 'no-version' } : undefined;
  return {
    ecosystem: 'maven',
    name: lib.module,
    version: version?.value ?? null,
    direct: true,
    kind,
    declaredAt: at,
    versionAt: version?.at ?? null,
    via: lib.versionRef ? `libs.${alias} (version.ref ${lib.versionRef})` : `libs.${alias}`,
    ...(scope ? { scope } : {}),
    module,
    ...(problem ? { problem } : {}),
  };
}

function scriptVars(file: string, content: string): Map<string, Located> {
  const out = new Map<string, Located>();
  content.split('\n').forEach((l, i) => {
    const m = LOCAL_VAR.exec(l);
    if (!m) return;
    const name = m[1] ?? m[3] ?? m[5];
    const value = m[2] ?? m[4] ?? m[6];
    if (name && value && !['version', 'group', 'description', 'sourceCompatibility', 'targetCompatibility'].includes(name)) out.set(name, { value, at: { file, line: i + 1 } });
  });
  return out;
}
