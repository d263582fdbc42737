import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InventoryEntry, RuntimeKind } from '../inventory/inventory.types';
import { ZipReader } from './zip-reader';

const entry = (ecosystem: string, name: string, version: string | null, kind: RuntimeKind, where: string, direct: boolean): InventoryEntry => ({
  ecosystem, name, version, constraint: null, direct, kind, declaredFile: where, declaredLine: null, versionFile: null, versionLine: null,
  via: null, scope: null, module: '', problem: version === null ? { kind: 'no-version' } : null,
});

/** `Key: value` pairs of a jar manifest (continuation lines start with one space). */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(' ') && last) out.set(last, out.get(last)! + line.slice(1));
    else {
      const i = line.indexOf(': ');
      if (i > 0) out.set((last = line.slice(0, i)), line.slice(i + 2));
    }
  }
  return out;
}

function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([^#!=:\s]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

const LIB_DIRS = /^(BOOT-INF\/lib|WEB-INF\/lib|lib)\/[^/]+\.jar$/;

/**
 * Components inside a deployed jar: its own `META-INF/maven/** /pom.properties`, and for every
 * nested library jar (Spring Boot `BOOT-INF/lib`, `WEB-INF/lib`, `lib/`) its pom.properties, else its
 * manifest's Implementation-Title/Version, else the `name-version.jar` file name.
 */
export function readJarComponents(data: Buffer, label: string): InventoryEntry[] {
  const zip = new ZipReader(data, label);
  const out: InventoryEntry[] = [];
  const own = (z: ZipReader, where: string, direct: boolean): InventoryEntry[] =>
    z.entries
      .filter((e) => /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(e.name))
      .map((e) => {
        const p = parseProperties(z.read(e).toString('utf8'));
        return entry('maven', `${p.get('groupId')}:${p.get('artifactId')}`, p.get('version') ?? null, 'pom-properties', `${where}!/${e.name}`, direct);
      });
  out.push(...own(zip, label, true));
  for (const lib of zip.entries.filter((e) => LIB_DIRS.test(e.name))) {
    const where = `${label}!/${lib.name}`;
    const nested = new ZipReader(zip.read(lib), where);
    const fromPom = own(nested, where, false);
    if (fromPom.length > 0) {
      out.push(...fromPom);
      continue;
    }
    const file = lib.name.slice(lib.name.lastIndexOf('/') + 1, -'.jar'.length);
    const mf = nested.find('META-INF/MANIFEST.MF');
    const manifest = mf ? parseManifest(nested.read(mf).toString('utf8')) : new Map<string, string>();
    const title = manifest.get('Implementation-Title') ?? manifest.get('Bundle-SymbolicName');
    const version = manifest.get('Implementation-Version') ?? manifest.get('Bundle-Version');
    const split = /^(.+?)-(\d[\w.+-]*)$/.exec(file);
    if (title && version) out.push(entry('maven', title, version, 'jar-manifest', where, false));
    else out.push(entry('maven', split?.[1] ?? file, split?.[2] ?? version ?? null, 'jar-file-name', where, false));
  }
  return out;
}

/** Packages of a `node_modules` tree (scoped and nested copies included); direct = declared by the app's package.json. */
export function readNodeModules(appDir: string): InventoryEntry[] {
  const declared = new Set<string>();
  const appPkg = join(appDir, 'package.json');
  if (existsSync(appPkg)) {
    const pkg = JSON.parse(readFileSync(appPkg, 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const field of ['dependencies', 'optionalDependencies', 'devDependencies']) for (const name of Object.keys(pkg[field] ?? {})) declared.add(name);
  }
  const out: InventoryEntry[] = [];
  const walk = (nm: string, rel: string, top: boolean) => {
    if (!existsSync(nm)) return;
    for (const d of readdirSync(nm, { withFileTypes: true })) {
      if (!d.isDirectory() && !d.isSymbolicLink()) continue;
      if (d.name.startsWith('.')) continue;
      const dirs = d.name.startsWith('@') ? readdirSync(join(nm, d.name)).map((s) => `${d.name}/${s}`) : [d.name];
      for (const name of dirs) {
        const pj = join(nm, name, 'package.json');
        if (!existsSync(pj)) continue;
        const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { name?: string; version?: string };
        const where = `${rel}/${name}/package.json`;
        out.push(entry('npm', pkg.name ?? name, pkg.version ?? null, 'node-modules', where, top && declared.has(pkg.name ?? name)));
        walk(join(nm, name, 'node_modules'), `${rel}/${name}/node_modules`, false);
      }
    }
  };
  walk(join(appDir, 'node_modules'), 'node_modules', true);
  return out;
}
