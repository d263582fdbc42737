import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAgentJar, buildFatJar } from '../testing/fat-jar.fixture';
import { readAgentJar, readJarComponents, readNodeModules } from './artifact-reader';

let dir: string;
let jar: string;
/** Feature release of the installed JDK (javac and jar build the fixtures). */
const installedJdk = () => execFileSync('javac', ['-version'], { encoding: 'utf8' }).trim().split(' ')[1]!.split('.')[0]!;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'detection-jar-'));
  jar = buildFatJar(dir, '1.4.2');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a real fat jar built with javac and jar', () => {
  it('finds the application, and each nested library by pom.properties, manifest or file name', () => {
    const found = readJarComponents(readFileSync(jar), 'orders-api.jar').map((e) => [e.name, e.version, e.kind, e.direct, e.declaredFile]);
    expect(found[0]).toEqual(['com.acme.orders:orders-api', '2.7.0', 'pom-properties', true, 'orders-api.jar!/META-INF/maven/com.acme.orders/orders-api/pom.properties']);
    expect(found).toHaveLength(5);
    expect(found[1]).toEqual(['java', '17', 'class-file', true, 'orders-api.jar!/com/acme/orders/App.class']);
    const nested = Object.fromEntries(found.slice(2).map(([name, version, kind]) => [name as string, `${version} ${kind}`]));
    expect(nested).toEqual({
      'com.acme:rpc-client': '1.4.2 pom-properties',
      'legacy-util': '0.9.1 jar-manifest',
      'commons-tiny': '2.1 jar-file-name',
    });
  });

  it('reads the JDK the application was compiled for from its Main-Class file, naming the build JDK of the manifest', () => {
    const jar11 = buildFatJar(join(dir, 'release-11'), '1.4.2', '11');
    const jdk = readJarComponents(readFileSync(jar11), 'orders-api.jar').filter((e) => e.ecosystem === 'jdk');
    const installed = installedJdk();
    expect(jdk).toMatchObject([{ name: 'java', version: '11', kind: 'class-file', direct: true, declaredFile: 'orders-api.jar!/com/acme/orders/App.class' }]);
    expect(jdk[0]!.via).toMatch(new RegExp(`^class file version of com/acme/orders/App\\.class \\(built by JDK ${installed}\\.[\\d.]+ \\(.*\\), Created-By\\)$`));
    expect(installed).not.toBe('11'); // the installed JDK built it, yet the artifact targets 11
  });

  it('falls back to the build JDK of the manifest (Build-Jdk-Spec, else Created-By) for a jar without classes', () => {
    const work = join(dir, 'resources-only');
    mkdirSync(join(work, 'static'), { recursive: true });
    writeFileSync(join(work, 'static', 'index.html'), '<html></html>');
    writeFileSync(join(work, 'manifest.txt'), 'Build-Jdk-Spec: 21\n');
    execFileSync('jar', ['--create', '--file', join(dir, 'spec.jar'), '--manifest', join(work, 'manifest.txt'), '-C', work, 'static']);
    execFileSync('jar', ['--create', '--file', join(dir, 'plain.jar'), '-C', work, 'static']);

    expect(readJarComponents(readFileSync(join(dir, 'spec.jar')), 'spec.jar')).toMatchObject([{ ecosystem: 'jdk', name: 'java', version: '21', kind: 'jar-manifest', via: 'Build-Jdk-Spec: 21', declaredFile: 'spec.jar!/META-INF/MANIFEST.MF' }]);
    expect(readJarComponents(readFileSync(join(dir, 'plain.jar')), 'plain.jar')).toMatchObject([{ ecosystem: 'jdk', name: 'java', version: installedJdk(), kind: 'jar-manifest', via: expect.stringMatching(new RegExp(`^Created-By: ${installedJdk()}\\.\\d`)) }]);
  });

  it('reads a real JavaAgent jar (loaded by a JVM): version from its manifest or pom.properties, name as -javaagent: jars are named', () => {
    const agents = join(dir, 'agents');
    mkdirSync(agents, { recursive: true });
    const plain = buildAgentJar(agents, { file: 'shipshape-agent-1.3.0', title: 'Shipshape Agent', version: '1.3.0' });
    const withPom = buildAgentJar(agents, { file: 'otel', title: 'javaagent', version: '1.32.0', pom: { groupId: 'io.opentelemetry.javaagent', artifactId: 'opentelemetry-javaagent', version: '1.32.0' } });
    const renamed = buildAgentJar(agents, { file: 'agent', title: 'shipshape-agent', version: '1.2.0' });
    // A JVM loads it as an agent (a jar without a usable Premain-Class stops the JVM).
    execFileSync('java', [`-javaagent:${plain}`, '-version'], { stdio: 'pipe' });

    expect(readAgentJar(readFileSync(plain), plain)).toMatchObject({ ecosystem: 'java-agent', name: 'shipshape-agent', version: '1.3.0', kind: 'jar-manifest', direct: true, declaredFile: `${plain}!/META-INF/MANIFEST.MF`, via: 'Premain-Class com.acme.agent.Agent' });
    expect(readAgentJar(readFileSync(withPom), withPom)).toMatchObject({ name: 'opentelemetry-javaagent', version: '1.32.0', kind: 'pom-properties', declaredFile: `${withPom}!/META-INF/maven/io.opentelemetry.javaagent/opentelemetry-javaagent/pom.properties` });
    expect(readAgentJar(readFileSync(renamed), renamed)).toMatchObject({ name: 'shipshape-agent', version: '1.2.0', kind: 'jar-manifest' });
  });

  it('refuses a file that is not a zip with a typed error', () => {
    expect(() => readJarComponents(Buffer.from('not a jar at all, just text'), 'broken.jar')).toThrow(expect.objectContaining({ code: 'DETECTION.BAD_ARCHIVE' }));
  });
});

describe('reading a real node_modules tree', () => {
  it('lists packages (scoped and nested) with the versions installed; direct = declared by the app', () => {
    const repoModules = join(__dirname, '..', '..', '..', '..', 'node_modules');
    const app = join(dir, 'node-app');
    mkdirSync(join(app, 'node_modules', '@nestjs'), { recursive: true });
    // Real installed packages copied from the workspace install: zod at top level, @nestjs/common scoped, yaml nested under zod.
    cpSync(join(repoModules, 'zod'), join(app, 'node_modules', 'zod'), { recursive: true });
    cpSync(join(repoModules, '@nestjs', 'common'), join(app, 'node_modules', '@nestjs', 'common'), { recursive: true, filter: (p) => !p.includes('node_modules/@nestjs/common/node_modules') });
    cpSync(join(repoModules, 'yaml'), join(app, 'node_modules', 'zod', 'node_modules', 'yaml'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'node-app', dependencies: { zod: '*', '@nestjs/common': '*' } }));
    const version = (p: string) => (JSON.parse(readFileSync(join(repoModules, p, 'package.json'), 'utf8')) as { version: string }).version;

    const found = readNodeModules(app).map((e) => [e.name, e.version, e.direct, e.declaredFile]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(found).toEqual([
      ['@nestjs/common', version('@nestjs/common'), true, 'node_modules/@nestjs/common/package.json'],
      ['yaml', version('yaml'), false, 'node_modules/zod/node_modules/yaml/package.json'],
      ['zod', version('zod'), true, 'node_modules/zod/package.json'],
    ]);
  });
});
