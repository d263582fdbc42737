/**
 * The shared internal components the sample fleet depends on, built for real once per output directory:
 * - Java `com.shipshape.sample:rpc-client` 1.4.0 (package com.shipshape.rpc.v1, `call`) and 2.0.0
 *   (package com.shipshape.rpc.v2, `call` renamed `invoke`, `callLegacy` removed), compiled with javac,
 *   packed with jar (fixed entry dates) into a file-system Maven repository `<out>/maven-repo`
 *   (pom, jar, sha1 checksums, maven-metadata.xml so version ranges resolve);
 * - npm `@shipshape-sample/rpc-client` 1.4.0 and 2.0.0 (`npm pack` into `<out>/npm`, served by `npm-registry.ts`);
 * - the JavaAgent `shipshape-agent` 1.2.0 and 1.3.0 (a premain class) in `<out>/agents`, as
 *   `shipshape-agent-<v>.jar` and `agent-<v>.jar`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const COMPONENT = {
  groupId: 'com.shipshape.sample',
  artifactId: 'rpc-client',
  npmName: '@shipshape-sample/rpc-client',
  versions: ['1.4.0', '2.0.0'],
  from: '1.4.0',
  to: '2.0.0',
  javaPackage: { from: 'com.shipshape.rpc.v1', to: 'com.shipshape.rpc.v2' },
  type: { from: 'com.shipshape.rpc.v1.RpcClient', to: 'com.shipshape.rpc.v2.RpcClient' },
  methodRename: { from: 'call', to: 'invoke' },
  removedMethod: 'callLegacy',
} as const;

export const AGENT = {
  name: 'shipshape-agent',
  title: 'com.shipshape.sample:shipshape-agent',
  versions: ['1.2.0', '1.3.0'],
  from: '1.2.0',
  to: '1.3.0',
  versionVariable: 'AGENT_VERSION',
  /** Set by release-service's sidecar releases (RELEASE_AGENT_VERSION_VAR); run.sh prefers it over the declared version. */
  runtimeVariable: 'SHIPSHAPE_AGENT_VERSION',
  systemProperty: 'shipshape.agent.version',
} as const;

/** Fixed entry date for every jar so the artifacts are byte-identical from run to run. */
const JAR_DATE = '2024-01-15T09:00:00Z';

export interface NpmTarball {
  readonly name: string;
  readonly version: string;
  readonly file: string;
  readonly integrity: string;
  readonly shasum: string;
}

export interface SharedComponents {
  readonly mavenRepo: string;
  readonly agentDir: string;
  readonly npmDir: string;
  readonly tarballs: readonly NpmTarball[];
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex');

function rpcClientJava(version: string): string {
  const v2 = version.startsWith('2.');
  const pkg = v2 ? COMPONENT.javaPackage.to : COMPONENT.javaPackage.from;
  const method = v2 ? COMPONENT.methodRename.to : COMPONENT.methodRename.from;
  const legacy = v2
    ? ''
    : `
  /** Calls a method without payload. Removed in 2.0: use {@link #call(String, String)}. */
  @Deprecated
  public String callLegacy(String method) {
    return service + "." + method + "()";
  }
`;
  return `package ${pkg};

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Client for Shipshape's internal RPC (sample component, version ${version}). */
public final class RpcClient {
  private final String service;

  public RpcClient(String service) {
    this.service = service;
  }

  /** Calls {@code method} on the remote service with a payload and returns its answer. */
  public String ${method}(String method, String payload) {
    return service + "." + method + "(" + payload + ")";
  }
${legacy}
  public String service() {
    return service;
  }

  /** The version of this library, read from the pom.properties Maven packed into its jar. */
  public static String version() {
    try (InputStream in = RpcClient.class.getResourceAsStream("/META-INF/maven/${COMPONENT.groupId}/${COMPONENT.artifactId}/pom.properties")) {
      if (in == null) return "unknown";
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
`;
}

function libraryPom(groupId: string, artifactId: string, version: string, description: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>${groupId}</groupId>
  <artifactId>${artifactId}</artifactId>
  <version>${version}</version>
  <packaging>jar</packaging>
  <description>${description}</description>
</project>
`;
}

/** javac + jar with fixed dates; `extraFiles` are added under the class root (META-INF/...). */
function buildJar(work: string, jarPath: string, sources: Record<string, string>, manifest: Record<string, string>, extraFiles: Record<string, string>): void {
  rmSync(work, { recursive: true, force: true });
  const src = join(work, 'src');
  const classes = join(work, 'classes');
  for (const [path, text] of Object.entries(sources)) write(join(src, path), text);
  for (const [path, text] of Object.entries(extraFiles)) write(join(classes, path), text);
  execFileSync('javac', ['--release', '17', '-nowarn', '-d', classes, ...Object.keys(sources).map((p) => join(src, p))], { stdio: 'pipe' });
  const mf = join(work, 'MANIFEST.MF');
  writeFileSync(mf, `${Object.entries(manifest).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
  mkdirSync(dirname(jarPath), { recursive: true });
  execFileSync('jar', ['--create', '--file', jarPath, `--date=${JAR_DATE}`, '--manifest', mf, '-C', classes, '.'], { stdio: 'pipe' });
  rmSync(work, { recursive: true, force: true });
}

function publishToMavenRepo(repo: string, groupId: string, artifactId: string, version: string, jar: string, pom: string): void {
  const dir = join(repo, ...groupId.split('.'), artifactId, version);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${artifactId}-${version}`);
  copyFileSync(jar, `${base}.jar`);
  writeFileSync(`${base}.pom`, pom);
  writeFileSync(`${base}.jar.sha1`, sha1(readFileSync(`${base}.jar`)));
  writeFileSync(`${base}.pom.sha1`, sha1(Buffer.from(pom)));
}

function mavenMetadata(repo: string, groupId: string, artifactId: string, versions: readonly string[]): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>${groupId}</groupId>
  <artifactId>${artifactId}</artifactId>
  <versioning>
    <latest>${versions.at(-1)}</latest>
    <release>${versions.at(-1)}</release>
    <versions>
${versions.map((v) => `      <version>${v}</version>`).join('\n')}
    </versions>
    <lastUpdated>20240115090000</lastUpdated>
  </versioning>
</metadata>
`;
  const file = join(repo, ...groupId.split('.'), artifactId, 'maven-metadata.xml');
  writeFileSync(file, xml);
  writeFileSync(`${file}.sha1`, sha1(Buffer.from(xml)));
}

function buildRpcClientJars(out: string, repo: string): void {
  for (const version of COMPONENT.versions) {
    const pom = libraryPom(COMPONENT.groupId, COMPONENT.artifactId, version, 'Client for the internal RPC (Shipshape sample component)');
    const pkgPath = (version.startsWith('2.') ? COMPONENT.javaPackage.to : COMPONENT.javaPackage.from).replaceAll('.', '/');
    const jar = join(out, '.work', `rpc-client-${version}.jar`);
    buildJar(
      join(out, '.work', `rpc-client-${version}`),
      jar,
      { [`${pkgPath}/RpcClient.java`]: rpcClientJava(version) },
      { 'Manifest-Version': '1.0', 'Implementation-Title': `${COMPONENT.groupId}:${COMPONENT.artifactId}`, 'Implementation-Version': version },
      {
        [`META-INF/maven/${COMPONENT.groupId}/${COMPONENT.artifactId}/pom.xml`]: pom,
        [`META-INF/maven/${COMPONENT.groupId}/${COMPONENT.artifactId}/pom.properties`]: `groupId=${COMPONENT.groupId}\nartifactId=${COMPONENT.artifactId}\nversion=${version}\n`,
      },
    );
    publishToMavenRepo(repo, COMPONENT.groupId, COMPONENT.artifactId, version, jar, pom);
    rmSync(jar);
  }
  mavenMetadata(repo, COMPONENT.groupId, COMPONENT.artifactId, COMPONENT.versions);
}

function buildAgentJars(out: string, agentDir: string): void {
  for (const version of AGENT.versions) {
    const jar = join(agentDir, `${AGENT.name}-${version}.jar`);
    buildJar(
      join(out, '.work', `agent-${version}`),
      jar,
      {
        'com/shipshape/agent/Agent.java': `package com.shipshape.agent;

import java.lang.instrument.Instrumentation;

/** The Shipshape sample JavaAgent: announces its version to the application it is attached to. */
public final class Agent {
  public static void premain(String args, Instrumentation inst) {
    String version = Agent.class.getPackage().getImplementationVersion();
    System.setProperty("${AGENT.systemProperty}", version == null ? "unknown" : version);
  }
}
`,
      },
      { 'Manifest-Version': '1.0', 'Premain-Class': 'com.shipshape.agent.Agent', 'Implementation-Title': AGENT.title, 'Implementation-Version': version },
      {},
    );
    copyFileSync(jar, join(agentDir, `agent-${version}.jar`));
  }
}

function rpcClientJs(version: string): string {
  const method = version.startsWith('2.') ? COMPONENT.methodRename.to : COMPONENT.methodRename.from;
  return `'use strict';
const { version } = require('./package.json');

/** Client for Shipshape's internal RPC (sample component, version ${version}). */
class RpcClient {
  constructor(service) {
    this.service = service;
  }

  /** Calls \`method\` on the remote service with a payload and returns its answer. */
  ${method}(method, payload) {
    return \`\${this.service}.\${method}(\${payload})\`;
  }
}

module.exports = { RpcClient, version };
`;
}

function buildNpmTarballs(out: string, npmDir: string): NpmTarball[] {
  const tarballs: NpmTarball[] = [];
  for (const version of COMPONENT.versions) {
    const work = join(out, '.work', `npm-rpc-client-${version}`);
    rmSync(work, { recursive: true, force: true });
    const pkg = {
      name: COMPONENT.npmName,
      version,
      description: 'Client for the internal RPC (Shipshape sample component)',
      main: 'index.js',
      license: 'Apache-2.0',
      files: ['index.js'],
    };
    write(join(work, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    write(join(work, 'index.js'), rpcClientJs(version));
    mkdirSync(npmDir, { recursive: true });
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', npmDir], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Array<{ filename: string }>;
    const file = packed[0]!.filename.replace(/^.*\//, '');
    const data = readFileSync(join(npmDir, file));
    tarballs.push({
      name: COMPONENT.npmName,
      version,
      file,
      integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
      shasum: sha1(data),
    });
    rmSync(work, { recursive: true, force: true });
  }
  writeFileSync(join(npmDir, 'index.json'), `${JSON.stringify(tarballs, null, 2)}\n`);
  return tarballs;
}

/** Version of what this module builds; bump it when the components change so outputs are rebuilt. */
const COMPONENTS_STAMP = 'components-v1';

/** Builds (or reuses, when the stamp matches) the shared components under `out`. */
export function ensureSharedComponents(out: string): SharedComponents {
  const result = { mavenRepo: join(out, 'maven-repo'), agentDir: join(out, 'agents'), npmDir: join(out, 'npm') };
  const stamp = join(out, '.components-stamp');
  const index = join(result.npmDir, 'index.json');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === COMPONENTS_STAMP && existsSync(index)) {
    return { ...result, tarballs: JSON.parse(readFileSync(index, 'utf8')) as NpmTarball[] };
  }
  for (const dir of [result.mavenRepo, result.agentDir, result.npmDir, join(out, '.work')]) rmSync(dir, { recursive: true, force: true });
  rmSync(stamp, { force: true });
  buildRpcClientJars(out, result.mavenRepo);
  buildAgentJars(out, result.agentDir);
  const tarballs = buildNpmTarballs(out, result.npmDir);
  rmSync(join(out, '.work'), { recursive: true, force: true });
  writeFileSync(stamp, COMPONENTS_STAMP);
  return { ...result, tarballs };
}
