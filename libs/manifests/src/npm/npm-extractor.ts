import type { ComponentDeclaration, FileTree, SourceLocation } from '../model';
import { dirOf, lineIndex } from '../shared/lines';
import { member, parseJson, type JsonNode } from '../shared/json-tokens';

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

interface Locked {
  readonly version: string;
  readonly at: SourceLocation;
  readonly dev: boolean;
}

/**
 * Extracts npm components: every dependency a package.json declares (range as constraint, version
 * from the sibling package-lock.json when present), and every other package the lockfile resolves
 * (transitive, `direct: false`). Lockfile v2/v3 (`packages`) and v1 (`dependencies`) are read.
 */
export function extractNpm(tree: FileTree, packageJsonPaths: readonly string[], onError: (file: string, err: unknown) => void): ComponentDeclaration[] {
  const out: ComponentDeclaration[] = [];
  const files = new Set(tree.files);
  const locks = new Map<string, Map<string, Locked> | undefined>();
  const lockOf = (lockPath: string) => {
    if (!locks.has(lockPath)) {
      try {
        locks.set(lockPath, readLock(lockPath, tree.read(lockPath)));
      } catch (err) {
        onError(lockPath, err);
        locks.set(lockPath, undefined);
      }
    }
    return locks.get(lockPath);
  };
  for (const path of packageJsonPaths) {
    const module = dirOf(path);
    // The nearest package-lock.json at or above the package (npm workspaces keep one at the root).
    let lockDir: string | null = module;
    while (lockDir !== null && !files.has(lockDir ? `${lockDir}/package-lock.json` : 'package-lock.json')) lockDir = lockDir === '' ? null : dirOf(lockDir);
    const lockPath = lockDir === null ? null : lockDir ? `${lockDir}/package-lock.json` : 'package-lock.json';
    const lock = lockPath ? lockOf(lockPath) : undefined;
    const ownLock = lockDir === module;
    const rel = lockDir === null || lockDir === module ? '' : `${module.slice(lockDir ? lockDir.length + 1 : 0)}/`;
    let manifest: JsonNode;
    const content = tree.read(path);
    try {
      manifest = parseJson(content, path);
    } catch (err) {
      onError(path, err);
      continue;
    }
    const line = lineIndex(content);
    const directNames = new Set<string>();
    for (const field of DEPENDENCY_FIELDS) {
      const deps = member(manifest, field);
      if (deps?.type !== 'object') continue;
      for (const entry of deps.entries) {
        if (entry.value.type !== 'string') continue;
        directNames.add(entry.key);
        const range = entry.value.value;
        const locked = lock?.get(`${rel}node_modules/${entry.key}`) ?? lock?.get(`node_modules/${entry.key}`);
        const exact = /^\d+\.\d+\.\d+([-+][\w.-]+)?$/.test(range);
        const declaredAt = { file: path, line: line(entry.keyStart) };
        out.push({
          ecosystem: 'npm',
          name: entry.key,
          version: locked?.version ?? (exact ? range : null),
          ...(locked?.version === range ? {} : { constraint: range }),
          direct: true,
          kind: locked ? 'lockfile' : 'direct',
          declaredAt,
          versionAt: locked?.at ?? (exact ? declaredAt : null),
          ...(locked && lockPath ? { via: lockPath } : {}),
          scope: field,
          module,
          ...(!locked && !exact ? { problem: { kind: 'no-version' } as const } : {}),
        });
      }
    }
    for (const [key, locked] of ownLock ? (lock ?? []) : []) {
      const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      if (key === `node_modules/${name}` && directNames.has(name)) continue;
      out.push({
        ecosystem: 'npm',
        name,
        version: locked.version,
        direct: false,
        kind: 'lockfile',
        declaredAt: locked.at,
        versionAt: locked.at,
        via: key,
        scope: locked.dev ? 'devDependencies' : 'dependencies',
        module,
      });
    }
  }
  return out;
}

/** Locked packages by install path (`node_modules/a`, `node_modules/a/node_modules/b`). */
export function readLock(path: string, content: string): Map<string, Locked> {
  const root = parseJson(content, path);
  const line = lineIndex(content);
  const out = new Map<string, Locked>();
  const packages = member(root, 'packages');
  if (packages?.type === 'object') {
    for (const e of packages.entries) {
      if (!e.key.includes('node_modules/')) continue; // root and workspace folders
      const version = member(e.value, 'version');
      if (version?.type !== 'string' || member(e.value, 'link')?.type === 'literal') continue;
      const dev = member(e.value, 'dev');
      out.set(e.key, { version: version.value, at: { file: path, line: line(e.keyStart) }, dev: dev?.type === 'literal' && dev.raw === 'true' });
    }
    return out;
  }
  const walk = (deps: JsonNode | undefined, prefix: string) => {
    if (deps?.type !== 'object') return;
    for (const e of deps.entries) {
      const key = `${prefix}node_modules/${e.key}`;
      const version = member(e.value, 'version');
      const dev = member(e.value, 'dev');
      if (version?.type === 'string') out.set(key, { version: version.value, at: { file: path, line: line(e.keyStart) }, dev: dev?.type === 'literal' && dev.raw === 'true' });
      walk(member(e.value, 'dependencies'), `${key}/`);
    }
  };
  walk(member(root, 'dependencies'), '');
  return out;
}
