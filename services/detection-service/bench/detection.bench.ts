/**
 * bench:detection — static scan of N generated repositories (BENCH_N, default 1000): Maven
 * multi-module with a parent, properties and a BOM; npm with a lockfile of transitive packages;
 * Gradle Kotlin DSL with a version catalog; each with a Dockerfile, and some with JVM options.
 * Generation is not timed; the scan (walk + read + extract) is. Last line: one JSON object.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { directoryTree, extractComponents } from '@shipshape/manifests';

const N = Number(process.env['BENCH_N'] ?? 1000);
if (!Number.isInteger(N) || N <= 0) throw new Error(`BENCH_N must be a positive integer, got ${process.env['BENCH_N']}`);

const write = (root: string, files: Record<string, string>) => {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
};

const dep = (g: string, a: string, v?: string) => `    <dependency>\n      <groupId>${g}</groupId>\n      <artifactId>${a}</artifactId>\n${v ? `      <version>${v}</version>\n` : ''}    </dependency>\n`;

function maven(i: number): Record<string, string> {
  const modules = 2 + (i % 4);
  const files: Record<string, string> = {
    'pom.xml': `<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme.app${i}</groupId>\n  <artifactId>app${i}-parent</artifactId>\n  <version>1.${i % 10}.0</version>\n  <packaging>pom</packaging>\n  <modules>\n${Array.from({ length: modules }, (_, m) => `    <module>m${m}</module>`).join('\n')}\n  </modules>\n  <properties>\n    <java.version>${i % 2 ? 17 : 21}</java.version>\n    <maven.compiler.release>\${java.version}</maven.compiler.release>\n    <rpc-client.version>1.${i % 5}.${i % 3}</rpc-client.version>\n    <jackson.version>2.15.${i % 4}</jackson.version>\n  </properties>\n  <dependencyManagement>\n    <dependencies>\n      <dependency>\n        <groupId>org.springframework.boot</groupId>\n        <artifactId>spring-boot-dependencies</artifactId>\n        <version>3.2.${i % 6}</version>\n        <type>pom</type>\n        <scope>import</scope>\n      </dependency>\n${dep('com.acme', 'rpc-client', '${rpc-client.version}')}    </dependencies>\n  </dependencyManagement>\n  <build>\n    <plugins>\n      <plugin>\n        <groupId>org.apache.maven.plugins</groupId>\n        <artifactId>maven-compiler-plugin</artifactId>\n        <version>3.11.0</version>\n      </plugin>\n    </plugins>\n  </build>\n</project>\n`,
  };
  for (let m = 0; m < modules; m++) {
    files[`m${m}/pom.xml`] = `<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n  <modelVersion>4.0.0</modelVersion>\n  <parent>\n    <groupId>com.acme.app${i}</groupId>\n    <artifactId>app${i}-parent</artifactId>\n    <version>1.${i % 10}.0</version>\n  </parent>\n  <artifactId>m${m}</artifactId>\n  <dependencies>\n${dep('com.acme', 'rpc-client')}${dep('com.fasterxml.jackson.core', 'jackson-databind', '${jackson.version}')}${dep('org.springframework.boot', 'spring-boot-starter-web')}${dep('com.google.guava', 'guava', '32.1.3-jre')}${Array.from({ length: 6 }, (_, k) => dep(`org.lib${k}`, `lib${k}-core`, `${k}.${m}.${i % 7}`)).join('')}  </dependencies>\n</project>\n`;
  }
  return files;
}

function npm(i: number): Record<string, string> {
  const direct = Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`pkg-${k}`, `^${k % 5}.${i % 9}.0`]));
  const packages: Record<string, unknown> = { '': { name: `web${i}`, version: '1.0.0', dependencies: direct } };
  for (let k = 0; k < 12; k++) packages[`node_modules/pkg-${k}`] = { version: `${k % 5}.${i % 9}.${k}`, resolved: `https://registry.npmjs.org/pkg-${k}/-/pkg-${k}.tgz`, integrity: 'sha512-AAAA', dependencies: { [`dep-${k}`]: '^1.0.0' } };
  for (let k = 0; k < 120; k++) packages[`node_modules/dep-${k}`] = { version: `1.${k % 10}.${i % 5}`, resolved: `https://registry.npmjs.org/dep-${k}/-/dep-${k}.tgz`, integrity: 'sha512-BBBB', dev: k % 3 === 0 };
  for (let k = 0; k < 10; k++) packages[`node_modules/pkg-${k}/node_modules/dep-${k}`] = { version: `0.${k}.1`, resolved: 'x', integrity: 'y' };
  return {
    'package.json': JSON.stringify({ name: `web${i}`, version: '1.0.0', dependencies: direct, devDependencies: { typescript: '~5.4.5' } }, null, 2),
    'package-lock.json': JSON.stringify({ name: `web${i}`, version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2),
  };
}

function gradle(i: number): Record<string, string> {
  return {
    'settings.gradle.kts': `rootProject.name = "svc${i}"\ninclude("app")\n`,
    'gradle.properties': `rpcClientVersion=1.${i % 5}.0\n`,
    'gradle/libs.versions.toml': `[versions]\nspring-boot = "3.2.${i % 6}"\njackson = "2.15.${i % 4}"\n\n[libraries]\nspring-boot-starter-web = { module = "org.springframework.boot:spring-boot-starter-web", version.ref = "spring-boot" }\njackson-databind = { group = "com.fasterxml.jackson.core", name = "jackson-databind", version.ref = "jackson" }\npostgresql = "org.postgresql:postgresql:42.7.${i % 4}"\n\n[plugins]\nspring-boot = { id = "org.springframework.boot", version.ref = "spring-boot" }\n`,
    'build.gradle.kts': `plugins {\n    alias(libs.plugins.spring.boot) apply false\n}\n`,
    'app/build.gradle.kts': `val rpcClientVersion: String by project\njava {\n    toolchain {\n        languageVersion.set(JavaLanguageVersion.of(21))\n    }\n}\ndependencies {\n    implementation(libs.spring.boot.starter.web)\n    implementation(libs.jackson.databind)\n    implementation("com.acme:rpc-client:$rpcClientVersion")\n    runtimeOnly(libs.postgresql)\n    testImplementation("org.junit.jupiter:junit-jupiter:5.10.${i % 3}")\n}\n`,
  };
}

const docker = (i: number) => ({
  Dockerfile: `ARG JDK=${i % 2 ? 17 : 21}\nFROM maven:3.9.6-eclipse-temurin-21 AS build\nCOPY . .\nRUN mvn -q package\nFROM eclipse-temurin:\${JDK}-jre-alpine\nARG OTEL_AGENT_VERSION=1.3${i % 3}.0\nENV JAVA_TOOL_OPTIONS="-javaagent:/opt/otel/opentelemetry-javaagent.jar"\n`,
  ...(i % 4 === 0 ? { '.jvmopts': `-javaagent:lib/skywalking-agent-9.${i % 3}.0.jar\n`, '.java-version': '17\n' } : {}),
});

const root = mkdtempSync(join(tmpdir(), 'bench-detection-'));
try {
  const kinds = [maven, npm, gradle];
  for (let i = 0; i < N; i++) write(join(root, `repo-${i}`), { ...kinds[i % 3]!(i), ...docker(i) });

  let manifests = 0;
  let components = 0;
  let errors = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const r = extractComponents(directoryTree(join(root, `repo-${i}`)));
    manifests += r.manifests.length;
    components += r.components.length;
    errors += r.errors.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (errors > 0) throw new Error(`${errors} manifests could not be read: the generator is broken`);
  process.stderr.write(`scanned ${N} repositories, ${manifests} manifests, ${components} declarations in ${seconds.toFixed(2)} s\n`);
  const line = {
    bench: 'detection',
    n: N,
    repos_per_s: Math.round((N / seconds) * 10) / 10,
    manifests_per_s: Math.round((manifests / seconds) * 10) / 10,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
