import type { ComponentDeclaration, DeclarationKind, DeclarationProblem, FileTree, SourceLocation } from '../model';
import { dirOf, joinPath, lineIndex } from '../shared/lines';
import { isMavenRange } from '../shared/versions';
import { child, children, parseXml, textOf, type XmlElement } from '../shared/xml-tokens';

/** A value read from a POM with the line it is written on. */
interface Located {
  readonly value: string;
  readonly at: SourceLocation;
}

interface PomEntry {
  readonly groupId: Located | undefined;
  readonly artifactId: Located | undefined;
  readonly version: Located | undefined;
  readonly scope: string | undefined;
  readonly type: string | undefined;
  readonly at: SourceLocation;
}

interface Pom {
  readonly file: string;
  readonly dir: string;
  readonly groupId: Located | undefined;
  readonly artifactId: Located | undefined;
  readonly version: Located | undefined;
  readonly parent: (PomEntry & { readonly relativePath: string | undefined }) | undefined;
  readonly properties: ReadonlyMap<string, Located>;
  readonly dependencies: readonly PomEntry[];
  readonly managed: readonly PomEntry[];
  readonly plugins: readonly PomEntry[];
  readonly managedPlugins: readonly PomEntry[];
  readonly compiler: ReadonlyMap<string, Located>;
}

/** A version as resolved through properties, with where its literal is written. */
interface Resolved {
  readonly value: string | null;
  readonly at: SourceLocation | null;
  readonly via?: string;
  readonly problem?: DeclarationProblem;
}

const JDK_PROPERTIES = ['maven.compiler.release', 'maven.compiler.source', 'maven.compiler.target', 'java.version'] as const;

/** Reads one POM into positions and values; throws ManifestInputError (file and line) when it is not XML. */
export function readPom(path: string, content: string): Pom {
  const doc = parseXml(content, path);
  const line = lineIndex(content);
  const at = (el: XmlElement): SourceLocation => ({ file: path, line: line(el.start) });
  const text = (el: XmlElement | undefined): Located | undefined => {
    const t = textOf(content, el);
    return t ? { value: t.value, at: { file: path, line: line(t.start) } } : undefined;
  };
  const entry = (el: XmlElement): PomEntry => ({
    groupId: text(child(el, 'groupId')),
    artifactId: text(child(el, 'artifactId')),
    version: text(child(el, 'version')),
    scope: text(child(el, 'scope'))?.value,
    type: text(child(el, 'type'))?.value,
    at: at(el),
  });
  const project = doc.root;
  const parentEl = child(project, 'parent');
  const properties = new Map<string, Located>();
  for (const p of child(project, 'properties')?.children ?? []) {
    const t = text(p);
    if (t) properties.set(p.name, t);
  }
  const build = child(project, 'build');
  const plugins = children(child(build, 'plugins'), 'plugin');
  const compiler = new Map<string, Located>();
  for (const plugin of plugins) {
    const jdk = child(child(child(child(plugin, 'configuration'), 'toolchains'), 'jdk'), 'version');
    if (text(child(plugin, 'artifactId'))?.value === 'maven-toolchains-plugin' && jdk) compiler.set('toolchain', text(jdk)!);
    if (text(child(plugin, 'artifactId'))?.value !== 'maven-compiler-plugin') continue;
    for (const key of ['release', 'source', 'target']) {
      const t = text(child(child(plugin, 'configuration'), key));
      if (t) compiler.set(key, t);
    }
  }
  return {
    file: path,
    dir: dirOf(path),
    groupId: text(child(project, 'groupId')),
    artifactId: text(child(project, 'artifactId')),
    version: text(child(project, 'version')),
    parent: parentEl ? { ...entry(parentEl), relativePath: text(child(parentEl, 'relativePath'))?.value } : undefined,
    properties,
    dependencies: children(child(project, 'dependencies'), 'dependency').map(entry),
    managed: children(child(child(project, 'dependencyManagement'), 'dependencies'), 'dependency').map(entry),
    plugins: plugins.map(entry),
    managedPlugins: children(child(child(build, 'pluginManagement'), 'plugins'), 'plugin').map(entry),
    compiler,
  };
}

/**
 * Extracts Maven components from every POM of a repository: dependencies with the place their
 * version comes from (literal, property, dependencyManagement of this POM or a parent in the
 * repository, imported BOM), imported BOMs, external parents, plugins and the JDK level.
 */
export function extractMaven(tree: FileTree, pomPaths: readonly string[], onError: (file: string, err: unknown) => void): ComponentDeclaration[] {
  const poms: Pom[] = [];
  for (const path of pomPaths) {
    try {
      poms.push(readPom(path, tree.read(path)));
    } catch (err) {
      onError(path, err);
    }
  }
  return new MavenProject(poms).declarations();
}

class MavenProject {
  private readonly byCoords = new Map<string, Pom>();
  private readonly byFile = new Map<string, Pom>();

  constructor(private readonly poms: readonly Pom[]) {
    for (const pom of poms) this.byFile.set(pom.file, pom);
    for (const pom of poms) {
      const g = this.groupOf(pom);
      if (g && pom.artifactId) this.byCoords.set(`${g}:${pom.artifactId.value}`, pom);
    }
  }

  declarations(): ComponentDeclaration[] {
    return this.poms.flatMap((pom) => this.declarationsOf(pom));
  }

  private groupOf(pom: Pom): string | undefined {
    return pom.groupId?.value ?? pom.parent?.groupId?.value;
  }

  /** The parent POM when it is inside the repository (relativePath, default ../pom.xml, else by coordinates). */
  private parentOf(pom: Pom): Pom | undefined {
    const p = pom.parent;
    if (!p?.artifactId) return undefined;
    const coords = `${p.groupId?.value ?? ''}:${p.artifactId.value}`;
    const rel = p.relativePath ?? '../pom.xml';
    if (rel !== '') {
      const target = joinPath(pom.dir, rel.endsWith('.xml') ? rel : `${rel}/pom.xml`);
      const candidate = target === null ? undefined : this.byFile.get(target);
      if (candidate && candidate !== pom && `${this.groupOf(candidate)}:${candidate.artifactId?.value}` === coords) return candidate;
    }
    const found = this.byCoords.get(coords);
    return found === pom ? undefined : found;
  }

  /** Coordinates of the first parent outside the repository, if the chain ends in one. */
  private externalParent(pom: Pom): string | undefined {
    const seen = new Set<Pom>();
    for (let p: Pom | undefined = pom; p && !seen.has(p); p = this.parentOf(p)) {
      seen.add(p);
      if (p.parent && !this.parentOf(p)) return `${p.parent.groupId?.value}:${p.parent.artifactId?.value}:${p.parent.version?.value}`;
    }
    return undefined;
  }

  /** Resolves `${...}` in a value in the context of a POM (its properties, then its parents' in the repository). */
  private resolve(pom: Pom, raw: Located, depth = 0): Resolved {
    const refs = [...raw.value.matchAll(/\$\{([^}]+)\}/g)];
    if (refs.length === 0) return { value: raw.value, at: raw.at };
    if (depth > 10) return { value: null, at: raw.at, via: refs[0]![1], problem: { kind: 'undefined-property', property: refs[0]![1]! } };
    let value = raw.value;
    let at: SourceLocation | null = null;
    let via: string | undefined;
    for (const ref of refs) {
      const name = ref[1]!;
      const def = this.property(pom, name);
      if (!def) {
        const outside = this.externalParent(pom);
        const problem: DeclarationProblem = outside ? { kind: 'managed-outside-repo', by: outside } : { kind: 'undefined-property', property: name };
        return { value: null, at: null, via: name, problem };
      }
      const inner = this.resolve(def.pom, def.located, depth + 1);
      if (inner.value === null) return { ...inner, via: via ?? name };
      value = value.replace(ref[0], inner.value);
      at ??= inner.at;
      via ??= name;
    }
    return { value, at, via };
  }

  private property(pom: Pom, name: string): { pom: Pom; located: Located } | undefined {
    const seen = new Set<Pom>();
    for (let p: Pom | undefined = pom; p && !seen.has(p); p = this.parentOf(p)) {
      seen.add(p);
      const builtin = this.builtin(p, name);
      if (builtin) return { pom: p, located: builtin };
      const own = p.properties.get(name);
      if (own) return { pom: p, located: own };
    }
    return undefined;
  }

  private builtin(pom: Pom, name: string): Located | undefined {
    switch (name) {
      case 'project.version':
      case 'pom.version':
      case 'version':
        return pom.version ?? pom.parent?.version;
      case 'project.groupId':
      case 'pom.groupId':
        return pom.groupId ?? pom.parent?.groupId;
      case 'project.artifactId':
        return pom.artifactId;
      case 'project.parent.version':
        return pom.parent?.version;
      case 'project.parent.groupId':
        return pom.parent?.groupId;
      default:
        return undefined;
    }
  }

  private coords(pom: Pom, e: PomEntry): string | undefined {
    if (!e.artifactId) return undefined;
    const g = e.groupId ? (this.resolve(pom, e.groupId).value ?? e.groupId.value) : 'org.apache.maven.plugins';
    const a = this.resolve(pom, e.artifactId).value ?? e.artifactId.value;
    return `${g}:${a}`;
  }

  /** Where a version-less dependency gets its version: dependencyManagement up the parent chain, then imported BOMs. */
  private managedVersion(pom: Pom, coords: string, plugin: boolean, seenBoms = new Set<Pom>()): (Resolved & { kind: DeclarationKind }) | undefined {
    let outsideBom: string | undefined;
    const seen = new Set<Pom>();
    for (let p: Pom | undefined = pom; p && !seen.has(p); p = this.parentOf(p)) {
      seen.add(p);
      const list = plugin ? p.managedPlugins : p.managed;
      const hit = list.find((m) => m.scope !== 'import' && this.coords(p!, m) === coords && m.version);
      if (hit?.version) return { ...this.resolve(p, hit.version), kind: 'dependency-management', via: `dependencyManagement in ${p.file}` };
      if (plugin) continue;
      for (const bom of p.managed.filter((m) => m.scope === 'import')) {
        const bomCoords = this.coords(p, bom);
        const bomVersion = bom.version ? this.resolve(p, bom.version).value : null;
        const inRepo = bomCoords ? this.byCoords.get(bomCoords) : undefined;
        if (inRepo && !seenBoms.has(inRepo)) {
          seenBoms.add(inRepo);
          const found = this.managedVersion(inRepo, coords, false, seenBoms);
          if (found?.value) return { ...found, kind: 'bom-import', via: `${bomCoords}:${bomVersion}` };
        } else if (!inRepo) outsideBom ??= `${bomCoords}:${bomVersion}`;
      }
    }
    const by = outsideBom ?? this.externalParent(pom);
    if (by) return { value: null, at: null, via: by, kind: outsideBom ? 'bom-import' : 'parent', problem: { kind: 'managed-outside-repo', by } };
    return undefined;
  }

  private declarationsOf(pom: Pom): ComponentDeclaration[] {
    const out: ComponentDeclaration[] = [];
    const module = pom.dir;
    const make = (
      e: PomEntry,
      name: string,
      kind: DeclarationKind,
      r: Resolved,
      scope?: string,
    ): ComponentDeclaration => ({
      ecosystem: 'maven',
      name,
      version: r.value !== null && isMavenRange(r.value) ? null : r.value,
      ...(r.value !== null && isMavenRange(r.value) ? { constraint: r.value } : {}),
      direct: true,
      kind,
      declaredAt: e.at,
      versionAt: r.at,
      ...(r.via ? { via: r.via } : {}),
      ...(scope ? { scope } : {}),
      module,
      ...(r.problem ? { problem: r.problem } : {}),
    });
    const versioned = (e: PomEntry, name: string, plugin: boolean, scope?: string): ComponentDeclaration => {
      if (e.version) {
        const r = this.resolve(pom, e.version);
        const isProperty = e.version.value.includes('${');
        return make(e, name, isProperty ? 'property' : plugin ? 'plugin' : 'direct', r, scope);
      }
      const managed = this.managedVersion(pom, name, plugin);
      if (managed) return make(e, name, plugin && managed.kind === 'dependency-management' ? 'plugin' : managed.kind, managed, scope);
      return make(e, name, plugin ? 'plugin' : 'direct', { value: null, at: null, problem: { kind: 'no-version' } }, scope);
    };

    if (pom.parent && !this.parentOf(pom) && pom.parent.artifactId) {
      const name = `${pom.parent.groupId?.value}:${pom.parent.artifactId.value}`;
      out.push(make(pom.parent, name, 'parent', pom.parent.version ? this.resolve(pom, pom.parent.version) : { value: null, at: null, problem: { kind: 'no-version' } }));
    }
    for (const dep of pom.dependencies) {
      const name = this.coords(pom, dep);
      if (name) out.push(versioned(dep, name, false, dep.scope ?? 'compile'));
    }
    for (const bom of pom.managed.filter((m) => m.scope === 'import')) {
      const name = this.coords(pom, bom);
      if (name && bom.version) out.push({ ...make(bom, name, 'bom-import', this.resolve(pom, bom.version), 'import'), ...(bom.version.value.includes('${') ? { via: bom.version.value.slice(2, -1) } : {}) });
    }
    for (const plugin of pom.plugins) {
      const name = this.coords(pom, plugin);
      if (name) {
        const d = versioned(plugin, name, true);
        out.push(d.kind === 'property' ? d : { ...d, kind: d.kind === 'direct' ? 'plugin' : d.kind });
      }
    }
    const jdk = this.jdkOf(pom);
    if (jdk) out.push(jdk);
    return out;
  }

  private jdkOf(pom: Pom): ComponentDeclaration | undefined {
    const toolchain = pom.compiler.get('toolchain');
    if (toolchain) return { ...this.jdk(pom, toolchain, 'maven-toolchains-plugin <jdk><version>'), kind: 'toolchain' };
    for (const key of ['release', 'source', 'target']) {
      const v = pom.compiler.get(key);
      if (v) return this.jdk(pom, v, `maven-compiler-plugin <${key}>`);
    }
    for (const key of JDK_PROPERTIES) {
      const v = pom.properties.get(key);
      if (v) return this.jdk(pom, v, key);
    }
    return undefined;
  }

  private jdk(pom: Pom, v: Located, via: string): ComponentDeclaration {
    const r = this.resolve(pom, v);
    return {
      ecosystem: 'jdk',
      name: 'java',
      version: r.value === null ? null : normaliseJava(r.value),
      direct: true,
      kind: 'compiler-setting',
      declaredAt: v.at,
      versionAt: r.at,
      via,
      module: pom.dir,
      ...(r.problem ? { problem: r.problem } : {}),
    };
  }
}

/** `1.8` → `8`, `17` → `17`, `17.0.9` → `17.0.9`. */
export function normaliseJava(v: string): string {
  return v.replace(/^1\.(\d+)$/, '$1');
}
