/** What kind of thing a component is; Gradle dependencies are Maven coordinates, so they are `maven`. */
export const ECOSYSTEMS = ['maven', 'npm', 'docker', 'jdk', 'java-agent'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/**
 * How a component's version reaches the build:
 * - `direct`: literal version on the declaration itself,
 * - `property`: `${x}` / `$x` resolved to the file and line that defines it,
 * - `dependency-management`: a Maven `<dependencyManagement>` entry (this POM or a parent in the repository),
 * - `bom-import`: an imported BOM (`<scope>import</scope>`, Gradle `platform(...)`) or a version managed by one,
 * - `parent`: a parent POM outside the repository,
 * - `plugin`: a build plugin (Maven `<plugin>`, Gradle `plugins {}`),
 * - `version-catalog`: Gradle `libs.versions.toml`,
 * - `lockfile`: resolved by package-lock.json (transitive dependencies),
 * - `base-image`: Dockerfile `FROM`,
 * - `compiler-setting` / `toolchain` / `version-file`: how the JDK version is set,
 * - `agent`: a JavaAgent (`-javaagent:` or an agent version variable).
 */
export const DECLARATION_KINDS = [
  'direct',
  'property',
  'dependency-management',
  'bom-import',
  'parent',
  'plugin',
  'version-catalog',
  'lockfile',
  'base-image',
  'compiler-setting',
  'toolchain',
  'version-file',
  'agent',
] as const;
export type DeclarationKind = (typeof DECLARATION_KINDS)[number];

/** A place in the repository: path relative to the repository root (forward slashes) and a 1-based line. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

/** Problems with one declaration are values (they flow into statistics), never exceptions. */
export type DeclarationProblem =
  | { readonly kind: 'undefined-property'; readonly property: string }
  | { readonly kind: 'managed-outside-repo'; readonly by: string }
  | { readonly kind: 'no-version' }
  | { readonly kind: 'unknown-catalog-entry'; readonly alias: string };

export interface ComponentDeclaration {
  readonly ecosystem: Ecosystem;
  /** `groupId:artifactId`, npm package name, image name, `java`, agent name. */
  readonly name: string;
  /** The resolved version (npm: the locked version when a lockfile has it); null when it cannot be resolved. */
  readonly version: string | null;
  /** The requested range/constraint when it differs from the version (npm ranges, Maven ranges). */
  readonly constraint?: string;
  /** Declared by the project itself (false: pulled in transitively). */
  readonly direct: boolean;
  readonly kind: DeclarationKind;
  /** Where the component is declared (the dependency element, the FROM line…). */
  readonly declaredAt: SourceLocation;
  /** Where the version literal is written, when that is somewhere else or the same place. */
  readonly versionAt: SourceLocation | null;
  /** What carries the version: property name, BOM or parent coordinates, catalog alias, variable name. */
  readonly via?: string;
  /** Maven/Gradle scope or configuration, npm dependency type. */
  readonly scope?: string;
  /** The module (directory of the manifest) the declaration belongs to; '' for the root. */
  readonly module: string;
  readonly problem?: DeclarationProblem;
}

/** A manifest that could not be read at all. */
export interface ManifestError {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Read-only view of a repository's files, paths relative to the root with forward slashes. */
export interface FileTree {
  /** Every file path (already filtered of VCS and build output directories). */
  readonly files: readonly string[];
  read(path: string): string;
}

export interface ExtractionResult {
  readonly components: readonly ComponentDeclaration[];
  readonly errors: readonly ManifestError[];
  /** Manifests read (pom.xml, package.json, Dockerfile…). */
  readonly manifests: readonly string[];
}
