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

/** The Java feature release of a version string as the inventory writes it: `1.8.0_292` → 8, `17.0.15` → 17, `21` → 21. */
export function javaFeatureRelease(version: string): string | null {
  const m = /^(?:1\.(\d+)|(\d+))(?:[._+-]|$)/.exec(version.trim());
  return m ? (m[1] ?? m[2])! : null;
}

/** The build JDK a manifest names: Build-Jdk-Spec (Maven 3.x archiver), else Build-Jdk, else a Created-By that starts with a Java version (the jar tool, old Maven). */
function buildJdkOf(manifest: ReadonlyMap<string, string>): { version: string; header: string; raw: string } | null {
  for (const header of ['Build-Jdk-Spec', 'Build-Jdk', 'Created-By']) {
    const raw = manifest.get(header);
    const version = raw ? javaFeatureRelease(raw) : null;
    if (raw && version) return { version, header, raw };
  }
  return null;
}

/** Java release of a class file from its major version (52 → 8, 61 → 17); null for bytes that are no class file. */
export function classFileRelease(bytes: Buffer): string | null {
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0xcafebabe) return null;
  const major = bytes.readUInt16BE(6);
  if (major < 45) return null;
  return major >= 49 ? String(major - 44) : `1.${major - 44}`;
}

/**
 * The JDK a deployed jar was built for: the class-file version of its Main-Class (else of its first class outside
 * META-INF, or BOOT-INF/classes), which a JDK upgrade changes; else the build JDK its manifest names (Build-Jdk-Spec,
 * Build-Jdk, Created-By). `via` says which, and names the build JDK too when both are known.
 */
export function readJarJdk(zip: ZipReader, label: string): InventoryEntry | null {
  const mf = zip.find('META-INF/MANIFEST.MF');
  const manifest = mf ? parseManifest(zip.read(mf).toString('utf8')) : new Map<string, string>();
  const built = buildJdkOf(manifest);
  const mainClass = manifest.get('Start-Class') ?? manifest.get('Main-Class');
  const mainPath = mainClass ? `${mainClass.trim().replace(/\./g, '/')}.class` : null;
  const cls =
    (mainPath && (zip.find(mainPath) ?? zip.find(`BOOT-INF/classes/${mainPath}`))) ||
    zip.entries.find((e) => e.name.endsWith('.class') && !e.name.startsWith('META-INF/') && !e.name.startsWith('org/springframework/boot/loader/'));
  const release = cls ? classFileRelease(zip.read(cls)) : null;
  if (cls && release) {
    const via = `class file version of ${cls.name}${built ? ` (built by JDK ${built.raw}, ${built.header})` : ''}`;
    return { ...entry('jdk', 'java', release, 'class-file', `${label}!/${cls.name}`, true), via };
  }
  if (built) return { ...entry('jdk', 'java', built.version, 'jar-manifest', `${label}!/META-INF/MANIFEST.MF`, true), via: `${built.header}: ${built.raw}` };
  return null;
}

/**
 * A JavaAgent jar (what `-javaagent:` loads): its name from its own pom.properties artifactId, else the jar's file name
 * without the version (as the source inventory names `-javaagent:` jars), else Implementation-Title; its version from
 * pom.properties, else the manifest's Implementation-Version / Bundle-Version, else the file name.
 */
export function readAgentJar(data: Buffer, label: string): InventoryEntry {
  const zip = new ZipReader(data, label);
  const mf = zip.find('META-INF/MANIFEST.MF');
  const manifest = mf ? parseManifest(zip.read(mf).toString('utf8')) : new Map<string, string>();
  const pomEntry = zip.entries.find((e) => /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(e.name));
  const pom = pomEntry ? parseProperties(zip.read(pomEntry).toString('utf8')) : new Map<string, string>();
  const file = label.slice(label.lastIndexOf('/') + 1).replace(/\.jar$/, '');
  const split = /^(.+?)-(\d[\w.+-]*)$/.exec(file);
  const name = pom.get('artifactId') ?? split?.[1] ?? manifest.get('Implementation-Title') ?? file;
  const fromPom = pom.get('version');
  const fromManifest = manifest.get('Implementation-Version') ?? manifest.get('Bundle-Version');
  const version = fromPom ?? fromManifest ?? split?.[2] ?? null;
  const [kind, where]: [RuntimeKind, string] = fromPom ? ['pom-properties', `${label}!/${pomEntry!.name}`] : fromManifest ? ['jar-manifest', `${label}!/META-INF/MANIFEST.MF`] : ['jar-file-name', label];
  const agentClass = manifest.get('Premain-Class') ?? manifest.get('Launcher-Agent-Class') ?? manifest.get('Agent-Class');
  return { ...entry('java-agent', name, version, kind, where, true), via: agentClass ? `Premain-Class ${agentClass}` : 'no Premain-Class in its manifest' };
}

/**
 * Components inside a deployed jar: its own `META-INF/maven/** /pom.properties`, the JDK it was built for
 * (readJarJdk), and for every
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
  const jdk = readJarJdk(zip, label);
  if (jdk) out.push(jdk);
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
