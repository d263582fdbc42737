import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, stdio: 'pipe' });

function write(path: string, content: string) {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

/** A real library jar compiled with javac; `pom` adds META-INF/maven/…/pom.properties, `manifest` extra manifest lines. */
export function buildLibraryJar(dir: string, opts: { file: string; pkg: string; pom?: { groupId: string; artifactId: string; version: string }; manifest?: string }): string {
  const work = join(dir, `${opts.file}-src`);
  const cls = opts.pkg.split('.').join('/');
  write(join(work, 'src', cls, 'Lib.java'), `package ${opts.pkg};\npublic final class Lib { public static String id() { return "${opts.file}"; } }\n`);
  run('javac', ['--release', '17', '-d', join(work, 'classes'), join(work, 'src', cls, 'Lib.java')], work);
  if (opts.pom) {
    write(join(work, 'classes', 'META-INF', 'maven', opts.pom.groupId, opts.pom.artifactId, 'pom.properties'),
      `#Created by Apache Maven 3.8.7\ngroupId=${opts.pom.groupId}\nartifactId=${opts.pom.artifactId}\nversion=${opts.pom.version}\n`);
  }
  const jar = join(dir, `${opts.file}.jar`);
  const args = ['--create', '--file', jar];
  if (opts.manifest) {
    write(join(work, 'manifest.txt'), opts.manifest);
    args.push('--manifest', join(work, 'manifest.txt'));
  }
  run('jar', [...args, '-C', join(work, 'classes'), '.'], work);
  return jar;
}

/**
 * A real Spring-Boot-style fat jar: the application's classes and pom.properties plus
 * BOOT-INF/lib/ with rpc-client (pom.properties), legacy-util (manifest only) and commons-tiny
 * (file name only). Built with javac (application classes for `javaRelease`) and jar from the installed JDK.
 */
export function buildFatJar(dir: string, rpcClientVersion: string, javaRelease = '17'): string {
  mkdirSync(dir, { recursive: true });
  const libs = join(dir, `app-${rpcClientVersion}`, 'BOOT-INF', 'lib');
  mkdirSync(libs, { recursive: true });
  buildLibraryJar(libs, { file: `rpc-client-${rpcClientVersion}`, pkg: 'com.acme.rpc', pom: { groupId: 'com.acme', artifactId: 'rpc-client', version: rpcClientVersion } });
  buildLibraryJar(libs, { file: 'legacy-util', pkg: 'com.acme.legacy', manifest: 'Implementation-Title: legacy-util\nImplementation-Version: 0.9.1\n' });
  buildLibraryJar(libs, { file: 'commons-tiny-2.1', pkg: 'org.tiny' });
  const app = join(dir, `app-${rpcClientVersion}`);
  write(join(app, 'src', 'com', 'acme', 'orders', 'App.java'), 'package com.acme.orders;\npublic final class App { public static void main(String[] a) { System.out.println("orders"); } }\n');
  run('javac', ['--release', javaRelease, '-d', join(app, 'classes'), join(app, 'src', 'com', 'acme', 'orders', 'App.java')], app);
  write(join(app, 'classes', 'META-INF', 'maven', 'com.acme.orders', 'orders-api', 'pom.properties'), 'groupId=com.acme.orders\nartifactId=orders-api\nversion=2.7.0\n');
  const jar = join(dir, `orders-api-${rpcClientVersion}.jar`);
  run('jar', ['--create', '--file', jar, '--main-class', 'com.acme.orders.App', '-C', join(app, 'classes'), '.', '-C', app, 'BOOT-INF'], app);
  return jar;
}

/**
 * A real JavaAgent jar compiled with javac: a class with `premain(String, Instrumentation)`, a manifest naming it as
 * Premain-Class with Implementation-Title/Version, and optionally its own pom.properties.
 */
export function buildAgentJar(dir: string, opts: { file: string; title: string; version: string; pom?: { groupId: string; artifactId: string; version: string } }): string {
  const work = join(dir, `${opts.file}-src`);
  write(join(work, 'src', 'com', 'acme', 'agent', 'Agent.java'), 'package com.acme.agent;\nimport java.lang.instrument.Instrumentation;\npublic final class Agent { public static void premain(String args, Instrumentation inst) { System.setProperty("acme.agent", "on"); } }\n');
  run('javac', ['--release', '17', '-d', join(work, 'classes'), join(work, 'src', 'com', 'acme', 'agent', 'Agent.java')], work);
  if (opts.pom) {
    write(join(work, 'classes', 'META-INF', 'maven', opts.pom.groupId, opts.pom.artifactId, 'pom.properties'), `groupId=${opts.pom.groupId}\nartifactId=${opts.pom.artifactId}\nversion=${opts.pom.version}\n`);
  }
  write(join(work, 'manifest.txt'), `Premain-Class: com.acme.agent.Agent\nImplementation-Title: ${opts.title}\nImplementation-Version: ${opts.version}\n`);
  const jar = join(dir, `${opts.file}.jar`);
  run('jar', ['--create', '--file', jar, '--manifest', join(work, 'manifest.txt'), '-C', join(work, 'classes'), '.'], work);
  return jar;
}
