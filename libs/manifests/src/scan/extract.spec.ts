import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ComponentDeclaration } from '../model';
import { directoryTree, extractComponents, isManifestCandidate, memoryTree } from './extract';

const fixture = (name: string) => extractComponents(directoryTree(join(__dirname, '..', '__fixtures__', name)));
const where = (l: { file: string; line: number } | null) => (l ? `${l.file}:${l.line}` : null);
const find = (all: readonly ComponentDeclaration[], name: string, file?: string) => {
  const hits = all.filter((c) => c.name === name && (file === undefined || c.declaredAt.file === file));
  expect(hits, `${name} in ${file ?? 'any file'}`).toHaveLength(1);
  return hits[0]!;
};

describe('Maven multi-module project (parent, properties, dependencyManagement, BOMs)', () => {
  const { components, errors, manifests } = fixture('maven-multimodule');

  it('reads every POM without errors', () => {
    expect(errors).toEqual([]);
    expect(manifests).toEqual(['api/pom.xml', 'bom/pom.xml', 'pom.xml', 'worker/pom.xml']);
  });

  it('resolves a version-less dependency through the parent dependencyManagement and its property', () => {
    const rpc = find(components, 'com.acme:rpc-client', 'api/pom.xml');
    expect(rpc).toMatchObject({ version: '1.4.2', kind: 'dependency-management', module: 'api', scope: 'compile' });
    expect(where(rpc.declaredAt)).toBe('api/pom.xml:16');
    expect(where(rpc.versionAt)).toBe('pom.xml:25'); // <rpc-client.version>
  });

  it('keeps a module that pins its own version apart', () => {
    const pinned = find(components, 'com.acme:rpc-client', 'worker/pom.xml');
    expect(pinned).toMatchObject({ version: '1.3.0', kind: 'direct' });
    expect(where(pinned.versionAt)).toBe('worker/pom.xml:21');
  });

  it('follows an imported BOM that lives in the repository', () => {
    const metrics = find(components, 'com.acme:acme-metrics');
    expect(metrics).toMatchObject({ version: '2.3.1', kind: 'bom-import', via: 'com.acme.orders:orders-bom:2.7.0-SNAPSHOT' });
    expect(where(metrics.versionAt)).toBe('bom/pom.xml:10');
  });

  it('reports a version managed by a BOM outside the repository as a typed problem', () => {
    const web = find(components, 'org.springframework.boot:spring-boot-starter-web');
    expect(web.version).toBeNull();
    expect(web.problem).toEqual({ kind: 'managed-outside-repo', by: 'org.springframework.boot:spring-boot-dependencies:3.2.5' });
    const bom = find(components, 'org.springframework.boot:spring-boot-dependencies');
    expect(bom).toMatchObject({ version: '3.2.5', kind: 'bom-import', via: 'spring-boot.version' });
    expect(where(bom.versionAt)).toBe('pom.xml:23');
  });

  it('resolves ${property} to the file and line defining it; an undefined property is a value', () => {
    const jackson = find(components, 'com.fasterxml.jackson.core:jackson-databind');
    expect(jackson).toMatchObject({ version: '2.15.3', kind: 'property', via: 'jackson.version' });
    expect(where(jackson.versionAt)).toBe('pom.xml:24');
    const micrometer = find(components, 'io.micrometer:micrometer-registry-prometheus');
    expect(micrometer).toMatchObject({ version: null, problem: { kind: 'undefined-property', property: 'micrometer.version' } });
  });

  it('lists plugins and the JDK level per module (property chains followed)', () => {
    expect(find(components, 'org.jacoco:jacoco-maven-plugin')).toMatchObject({ version: '0.8.11', kind: 'property' });
    expect(find(components, 'org.apache.maven.plugins:maven-compiler-plugin')).toMatchObject({ version: '3.11.0', kind: 'plugin' });
    const jdks = components.filter((c) => c.ecosystem === 'jdk').map((c) => [c.module, c.version, c.via, where(c.versionAt)]);
    expect(jdks).toEqual([
      ['', '17', 'maven.compiler.release', 'pom.xml:21'],
      ['worker', '21', 'maven.compiler.release', 'worker/pom.xml:13'],
    ]);
  });
});

describe('Maven with a parent outside the repository', () => {
  const { components } = fixture('maven-external-parent');
  it('lists the parent and attributes unresolved versions to it', () => {
    expect(find(components, 'org.springframework.boot:spring-boot-starter-parent')).toMatchObject({ version: '3.1.4', kind: 'parent' });
    expect(find(components, 'org.projectlombok:lombok').problem).toEqual({ kind: 'managed-outside-repo', by: 'org.springframework.boot:spring-boot-starter-parent:3.1.4' });
    expect(find(components, 'java')).toMatchObject({ version: '8', via: 'java.version' });
  });
});

describe('unreadable manifests', () => {
  it('name the file and line and do not stop the scan', () => {
    const r = extractComponents(memoryTree({
      'pom.xml': '<project>\n  <dependencies>\n    <dependency><artifactId>a</version>\n</project>\n',
      'package.json': '{\n  "dependencies": {\n    "left-pad": "1.3.0",\n  }\n}\n',
      'gradle/libs.versions.toml': '[versions]\nkotlin "1.9"\n',
      'build.gradle': "dependencies { implementation 'com.acme:rpc-client:1.4.2' }\n",
      '.java-version': '21\n',
    }));
    expect(r.errors).toEqual([
      { file: 'pom.xml', line: 3, message: 'closing tag </version> does not match <artifactId>' },
      { file: 'package.json', line: 4, message: 'expected a string' },
      { file: 'gradle/libs.versions.toml', line: 2, message: 'expected key = value, got "kotlin "1.9""' },
    ]);
    expect(r.components.map((c) => `${c.name}@${c.version}`)).toEqual(['com.acme:rpc-client@1.4.2', 'java@21']);
  });
});

describe('npm package.json + package-lock.json v3', () => {
  const { components, errors } = fixture('npm-app');
  it('gives direct dependencies their locked version and keeps the range', () => {
    expect(errors).toEqual([]);
    const express = find(components, 'express');
    expect(express).toMatchObject({ version: '4.18.3', constraint: '^4.18.2', direct: true, kind: 'lockfile', scope: 'dependencies' });
    expect(where(express.declaredAt)).toBe('package.json:10');
    expect(where(express.versionAt)).toBe('package-lock.json:42');
    expect(find(components, 'typescript')).toMatchObject({ version: '5.4.5', scope: 'devDependencies' });
  });
  it('lists transitive packages, nested copies included', () => {
    const transitive = components.filter((c) => !c.direct).map((c) => `${c.name}@${c.version} ${c.via}`);
    expect(transitive).toEqual([
      'body-parser@1.20.2 node_modules/body-parser',
      'bytes@3.1.2 node_modules/bytes',
      'qs@6.11.0 node_modules/express/node_modules/qs',
      'qs@6.10.3 node_modules/qs',
    ]);
  });
  it('reads lockfile v1 nested dependencies too', () => {
    const r = extractComponents(memoryTree({
      'package.json': '{ "dependencies": { "a": "^1.0.0" } }',
      'package-lock.json': '{ "lockfileVersion": 1, "dependencies": {\n "a": { "version": "1.2.0", "dependencies": {\n  "b": { "version": "0.4.0" } } } } }',
    }));
    expect(r.components.map((c) => `${c.name}@${c.version}:${c.direct}`)).toEqual(['a@1.2.0:true', 'b@0.4.0:false']);
  });
});

describe('Gradle Kotlin DSL with a version catalog', () => {
  const { components, errors } = fixture('gradle-kotlin');
  it('resolves catalog aliases, bundles, version.ref and strict versions to the TOML line', () => {
    expect(errors).toEqual([]);
    const web = find(components, 'org.springframework.boot:spring-boot-starter-web');
    expect(web).toMatchObject({ version: '3.2.5', kind: 'version-catalog', scope: 'implementation', module: 'app' });
    expect(where(web.declaredAt)).toBe('app/build.gradle.kts:17');
    expect(where(web.versionAt)).toBe('gradle/libs.versions.toml:2');
    expect(find(components, 'com.fasterxml.jackson.module:jackson-module-kotlin')).toMatchObject({ version: '2.15.3' });
    expect(find(components, 'io.github.resilience4j:resilience4j-spring-boot3')).toMatchObject({ version: '2.1.0' });
    expect(find(components, 'org.postgresql:postgresql')).toMatchObject({ version: '42.7.3', scope: 'runtimeOnly' });
  });
  it('resolves $property from gradle.properties and script variables; platform() is a BOM', () => {
    const rpc = find(components, 'com.acme:rpc-client');
    expect(rpc).toMatchObject({ version: '1.4.2', kind: 'property', via: 'rpcClientVersion' });
    expect(where(rpc.versionAt)).toBe('gradle.properties:3');
    expect(find(components, 'io.opentelemetry:opentelemetry-bom')).toMatchObject({ version: '1.37.0', kind: 'bom-import', via: 'otelVersion' });
    expect(find(components, 'org.mockito:mockito-core')).toMatchObject({ version: '5.11.0', kind: 'direct', scope: 'testImplementation' });
  });
  it('lists plugins (id, kotlin(), catalog alias) and the toolchain JDK', () => {
    expect(components.filter((c) => c.kind === 'plugin').map((c) => `${c.name}@${c.version}`)).toEqual([
      'org.springframework.boot@3.2.5',
      'io.spring.dependency-management@1.1.4',
      'org.jetbrains.kotlin.jvm@1.9.23',
    ]);
    expect(find(components, 'java')).toMatchObject({ version: '21', kind: 'toolchain' });
  });
  it('reports an undefined variable as a value', () => {
    const r = extractComponents(memoryTree({ 'build.gradle': 'dependencies {\n  implementation "com.acme:rpc-client:${rpcVersion}"\n}\nsourceCompatibility = JavaVersion.VERSION_1_8\n' }));
    expect(r.components).toMatchObject([
      { name: 'com.acme:rpc-client', version: null, problem: { kind: 'undefined-property', property: 'rpcVersion' } },
      { name: 'java', version: '8', kind: 'compiler-setting' },
    ]);
  });
});

describe('Dockerfiles', () => {
  const { components } = fixture('docker');
  it('lists base images with ARG substitution, digests, and the JDK of the final stage', () => {
    expect(components.filter((c) => c.ecosystem === 'docker').map((c) => `${c.name}:${c.version}@${where(c.versionAt)}`)).toEqual([
      'maven:3.9.6-eclipse-temurin-21@Dockerfile:3',
      'eclipse-temurin:21-jre-alpine@Dockerfile:2',
      'node:20.11.1-bookworm-slim@Dockerfile.node:1',
      'gcr.io/distroless/nodejs20-debian12:sha256:6a5f1a8f0d1c7b1f3a4e0e8e3c1f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e@Dockerfile.node:5',
    ]);
    expect(find(components, 'java')).toMatchObject({ version: '21', kind: 'base-image', via: 'eclipse-temurin:21-jre-alpine' });
  });
  it('binds an unversioned -javaagent jar to the agent version ARG', () => {
    const agent = find(components, 'opentelemetry-javaagent');
    expect(agent).toMatchObject({ ecosystem: 'java-agent', version: '1.32.0', via: 'OTEL_AGENT_VERSION' });
    expect(where(agent.declaredAt)).toBe('Dockerfile:13');
    expect(where(agent.versionAt)).toBe('Dockerfile:9');
  });
});

describe('application with JavaAgents and a JDK version file', () => {
  const { components } = fixture('java-agent-app');
  it('reads .jvmopts, deployment values and .java-version', () => {
    expect(components.map((c) => `${c.ecosystem} ${c.name}@${c.version} ${where(c.versionAt)}`)).toEqual([
      'jdk java@17.0.10 .java-version:1',
      'java-agent skywalking-agent@9.1.0 .jvmopts:2',
      'java-agent dd-agent@1.31.0 deploy/values.yaml:7',
    ]);
  });
});

describe('isManifestCandidate', () => {
  it('selects the files extractors read and skips dependency and build folders', () => {
    const paths = ['pom.xml', 'api/pom.xml', 'src/main/App.java', 'node_modules/x/package.json', 'target/pom.xml', 'gradle/libs.versions.toml', 'docker/Dockerfile.node', '.java-version', 'deploy/values.yaml', 'README.md'];
    expect(paths.filter(isManifestCandidate)).toEqual(['pom.xml', 'api/pom.xml', 'gradle/libs.versions.toml', 'docker/Dockerfile.node', '.java-version', 'deploy/values.yaml']);
  });
});

describe('npm workspaces', () => {
  it('resolve a workspace package from the root lockfile (its own nested copy first); transitive packages are listed once', () => {
    const r = extractComponents(memoryTree({
      'package.json': '{ "name": "mono", "workspaces": ["packages/*"], "devDependencies": { "typescript": "^5.4.0" } }',
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: {
        '': { name: 'mono' },
        'packages/web': { name: 'web', version: '1.0.0' },
        'node_modules/web': { resolved: 'packages/web', link: true },
        'node_modules/typescript': { version: '5.4.5', dev: true },
        'node_modules/express': { version: '4.18.3' },
        'packages/web/node_modules/express': { version: '4.17.1' },
      } }, null, 2),
      'packages/web/package.json': '{ "name": "web", "dependencies": { "express": "^4.17.0" } }',
    }));
    expect(r.errors).toEqual([]);
    expect(r.components.map((c) => `${c.module || '.'} ${c.name}@${c.version} ${c.direct ? 'direct' : 'transitive'} ${c.versionAt?.file}:${c.versionAt?.line}`)).toEqual([
      '. typescript@5.4.5 direct package-lock.json:15',
      '. express@4.18.3 transitive package-lock.json:19',
      '. express@4.17.1 transitive package-lock.json:22',
      'packages/web express@4.17.1 direct package-lock.json:22',
    ]);
  });
});
