/**
 * Real small applications for the integration tests, generated into a temp dir per test run: a Maven
 * project (JUnit 5 test, com.sun.net.httpserver server) and an npm project (node:http server, node --test),
 * each committed to a git repository with the app on branch `upgrade`.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { EnvironmentSpec } from '../environments/environment.types';

export const MAVEN_VARIANTS = ['ok', 'compile-error', 'failing-test', 'flaky-test', 'missing-dependency'] as const;
export type MavenVariant = (typeof MAVEN_VARIANTS)[number];
export const NPM_VARIANTS = ['ok', 'failing-test', 'flaky-test', 'missing-dependency', 'no-health', 'slow-build'] as const;
export type NpmVariant = (typeof NPM_VARIANTS)[number];

export const SAMPLE_BRANCH = 'upgrade';

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function commit(dir: string): string {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
  git('init', '--quiet', '-b', 'main');
  git('-c', 'user.name=Sample', '-c', 'user.email=sample@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'root');
  git('checkout', '--quiet', '-b', SAMPLE_BRANCH);
  git('add', '-A');
  git('-c', 'user.name=Sample', '-c', 'user.email=sample@example.com', 'commit', '--quiet', '-m', 'sample app');
  return dir;
}

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId><artifactId>sample</artifactId><version>1.0</version>
  <properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  <dependencies>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.10.2</version><scope>test</scope></dependency>
  </dependencies>
  <build><plugins>
    <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
    <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.2.5</version></plugin>
    <plugin><artifactId>maven-jar-plugin</artifactId><version>3.4.1</version></plugin>
  </plugins></build>
</project>
`;

const APP_JAVA = `package com.example;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
public class App {
  public static String greet() { return "hello"; }
  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 0);
    server.createContext("/", exchange -> {
      byte[] body = (exchange.getRequestURI().getPath().equals("/health") ? "ok" : greet()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }
}
`;

function appTest(body: string): string {
  return `package com.example;
import static org.junit.jupiter.api.Assertions.*;
import org.junit.jupiter.api.Test;
class AppTest {
${body}
}
`;
}

const MAVEN_TESTS: Record<MavenVariant, string> = {
  ok: '  @Test void greets() { assertEquals("hello", App.greet()); }',
  'compile-error': '  @Test void greets() { assertEquals("hello", App.greet()); }',
  'missing-dependency': '  @Test void greets() { assertEquals("hello", App.greet()); }',
  'failing-test': '  @Test void greets() { assertEquals("bonjour", App.greet()); }\n  @Test void passes() { assertTrue(true); }',
  // Fails the first time (leaving a marker), passes when re-run in the same checkout.
  'flaky-test': `  @Test void sometimes() throws Exception {
    java.nio.file.Path marker = java.nio.file.Path.of("target", "flaky-marker");
    if (!java.nio.file.Files.exists(marker)) { java.nio.file.Files.createFile(marker); fail("first run fails"); }
  }`,
};

/** A Maven application repository; returns its path (a git URL). */
/**
 * The tests build the Maven sample offline (`-o`, fast and deterministic): its plugins, JUnit and Surefire's
 * JUnit provider must be in the local repository first. One online build of the `ok` sample puts them there
 * and leaves a marker (keyed by the POM) inside the local repository, so a wiped repository is warmed again.
 */
export function warmLocalMavenRepository(localRepository = join(homedir(), '.m2', 'repository')): void {
  const marker = join(localRepository, `.shipshape-test-env-sample-${createHash('sha256').update(POM).update(APP_JAVA).digest('hex').slice(0, 16)}`);
  if (existsSync(marker)) return;
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-maven-warm-'));
  try {
    write(dir, { 'pom.xml': POM, 'src/main/java/com/example/App.java': APP_JAVA, 'src/test/java/com/example/AppTest.java': appTest(MAVEN_TESTS.ok) });
    execFileSync('mvn', ['-B', '-q', `-Dmaven.repo.local=${localRepository}`, 'package'], { cwd: dir, stdio: 'pipe', timeout: 300_000 });
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function createMavenRepo(dir: string, variant: MavenVariant): string {
  write(dir, {
    'pom.xml':
      variant === 'missing-dependency'
        ? POM.replace('  </dependencies>', '    <dependency><groupId>com.example.shipshape</groupId><artifactId>does-not-exist</artifactId><version>9.9.9</version></dependency>\n  </dependencies>')
        : POM,
    'src/main/java/com/example/App.java': variant === 'compile-error' ? APP_JAVA.replace('return "hello";', 'return 42;') : APP_JAVA,
    'src/test/java/com/example/AppTest.java': appTest(MAVEN_TESTS[variant]),
  });
  return commit(dir);
}

const SERVER_JS = `const http = require('node:http');
const greeting = process.env.GREETING;
if (!greeting) { console.error('missing required environment variable GREETING'); process.exit(1); }
http.createServer((req, res) => {
  if (req.url === '/health' && process.env.HANG_HEALTH === '1') return; // never answers
  res.end(req.url === '/health' ? 'ok' : greeting);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** An npm application repository (node:http server, node --test); returns its path. */
export function createNpmRepo(dir: string, variant: NpmVariant): string {
  const pkg = {
    name: 'sample',
    version: '1.0.0',
    private: true,
    scripts: {
      start: variant === 'no-health' ? 'HANG_HEALTH=1 node server.js' : 'node server.js',
      test: 'node --test',
      ...(variant === 'slow-build' ? { build: 'sleep 30' } : {}),
    },
    ...(variant === 'missing-dependency' ? { dependencies: { '@shipshape-fixture/does-not-exist': '1.0.0' } } : {}),
  };
  write(dir, {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'server.js': SERVER_JS,
    'app.test.js':
      variant === 'flaky-test'
        ? `const test = require('node:test');
const fs = require('node:fs');
// Fails the first time (leaving a marker), passes when re-run in the same checkout.
test('sometimes', () => { if (!fs.existsSync('.flaky-marker')) { fs.writeFileSync('.flaky-marker', ''); throw new Error('first run fails'); } });
`
        : `const test = require('node:test');
const assert = require('node:assert');
test('greets', () => { assert.strictEqual('hello', ${variant === 'failing-test' ? "'bonjour'" : "'hello'"}); });
`,
  });
  return commit(dir);
}

/** The spec the platform would derive for a sample app (variables: GREETING unless the variant wants it missing). */
export function sampleSpec(repositoryUrl: string, buildTool: 'maven' | 'npm', overrides: Partial<EnvironmentSpec> = {}): EnvironmentSpec {
  return {
    application: `sample-${buildTool}`,
    repositoryUrl,
    gitRef: SAMPLE_BRANCH,
    buildTool,
    commands: { build: null, test: null, start: buildTool === 'maven' ? 'java -cp target/classes com.example.App' : null },
    variables: { GREETING: 'hello' },
    healthPath: '/health',
    smokePaths: ['/'],
    flakyRetries: 1,
    timeoutsMs: {},
    deadline: null,
    ...overrides,
  };
}
