/**
 * The fleet's applications: who they are (plan) and their files (templates), as commits.
 * Every application is a real Maven (Java 17, JUnit 5, com.sun.net.httpserver) or npm (Node 22,
 * node:http, node --test) service with `/health` and `/components` (also `/shipshape/components`,
 * detection-service's default) reporting the component versions it has loaded.
 */
import { AGENT, COMPONENT } from './components';

export const TEAMS = ['payments', 'catalog', 'accounts', 'growth'] as const;
export type Team = (typeof TEAMS)[number];

/** How an application reacts to the 1.x → 2.0 campaign. */
export const VARIANTS = ['clean', 'removed-api', 'version-range', 'flaky-test', 'missing-variable', 'no-component', 'agent'] as const;
export type Variant = (typeof VARIANTS)[number];

export type BuildTool = 'maven' | 'npm';

export interface AppPlan {
  readonly name: string;
  readonly team: Team;
  readonly buildTool: BuildTool;
  readonly variant: Variant;
  /** Downstream service the rpc-client calls (part of the answers the tests assert). */
  readonly downstream: string;
}

export type Expected =
  | { readonly outcome: 'succeeded'; readonly oneShot: boolean; readonly retriedClass?: 'TEST_FLAKY' }
  | { readonly outcome: 'failed'; readonly errorClass: 'COMPILE_ERROR' | 'ENV_CONFIG'; readonly stage: 'test-deploy' }
  | { readonly outcome: 'skipped'; readonly skipReason: 'version-range' }
  | { readonly outcome: 'not_applicable' };

export function expectedOutcome(variant: Variant): Expected {
  switch (variant) {
    case 'clean':
    case 'agent':
      return { outcome: 'succeeded', oneShot: true };
    case 'flaky-test':
      return { outcome: 'succeeded', oneShot: false, retriedClass: 'TEST_FLAKY' };
    case 'removed-api':
      return { outcome: 'failed', errorClass: 'COMPILE_ERROR', stage: 'test-deploy' };
    case 'missing-variable':
      return { outcome: 'failed', errorClass: 'ENV_CONFIG', stage: 'test-deploy' };
    case 'version-range':
      return { outcome: 'skipped', skipReason: 'version-range' };
    case 'no-component':
      return { outcome: 'not_applicable' };
    default: {
      const never: never = variant;
      throw new Error(`unknown variant ${String(never)}`);
    }
  }
}

export const NOTES: Record<Variant, string> = {
  clean: 'upgrades cleanly: dependency bump plus package/method rename',
  agent: 'upgrades cleanly; also runs with the JavaAgent shipshape-agent 1.2.0 (sidecar upgrade target: 1.3.0)',
  'flaky-test': 'a test fails the first time it runs in a checkout and passes on the re-run',
  'removed-api': `calls RpcClient.${COMPONENT.removedMethod}, which 2.0 removed: does not compile after the upgrade`,
  'missing-variable': 'refuses to start without PAYMENTS_API_KEY, which its test environment does not configure',
  'version-range': 'declares rpc-client as the version range [1.4,2.0): the maven recipe skips it (version-range)',
  'no-component': 'does not use rpc-client at all',
};

/** The twelve named applications every fleet starts with: one of each failure, the rest clean. */
const CORE: readonly Omit<AppPlan, 'downstream'>[] = [
  { name: 'payments-ledger', team: 'payments', buildTool: 'maven', variant: 'removed-api' },
  { name: 'payments-gateway', team: 'payments', buildTool: 'npm', variant: 'missing-variable' },
  { name: 'payments-refunds', team: 'payments', buildTool: 'maven', variant: 'clean' },
  { name: 'catalog-search', team: 'catalog', buildTool: 'maven', variant: 'version-range' },
  { name: 'catalog-pricing', team: 'catalog', buildTool: 'maven', variant: 'clean' },
  { name: 'catalog-inventory', team: 'catalog', buildTool: 'npm', variant: 'clean' },
  { name: 'accounts-profile', team: 'accounts', buildTool: 'maven', variant: 'flaky-test' },
  { name: 'accounts-auth', team: 'accounts', buildTool: 'maven', variant: 'agent' },
  { name: 'accounts-directory', team: 'accounts', buildTool: 'npm', variant: 'clean' },
  { name: 'growth-newsletter', team: 'growth', buildTool: 'npm', variant: 'no-component' },
  { name: 'growth-campaigns', team: 'growth', buildTool: 'maven', variant: 'clean' },
  { name: 'growth-referrals', team: 'growth', buildTool: 'npm', variant: 'clean' },
];

const DOWNSTREAMS = ['ledger-core', 'fx-rates', 'risk', 'search-index', 'price-book', 'stock', 'identity', 'mailer'];

/** mulberry32: small, seeded, deterministic. */
function rng(seed: string): () => number {
  let a = 0;
  for (const ch of seed) a = (Math.imul(a ^ ch.charCodeAt(0), 2654435761) + 1) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Variants of the applications beyond the twelve: mostly clean, with the case study's mix of
 * incompatibilities (about half succeed in one shot over a large fleet).
 */
const EXTRA_WEIGHTS: readonly (readonly [Variant, number])[] = [
  ['clean', 0.5],
  ['removed-api', 0.15],
  ['flaky-test', 0.1],
  ['missing-variable', 0.08],
  ['version-range', 0.07],
  ['no-component', 0.1],
];

/** The fleet: the twelve named applications, then `count - 12` seeded ones. */
export function planFleet(count: number, seed: string): AppPlan[] {
  const random = rng(seed);
  const apps: AppPlan[] = CORE.slice(0, Math.max(count, 0)).map((a, i) => ({ ...a, downstream: DOWNSTREAMS[i % DOWNSTREAMS.length]! }));
  for (let i = CORE.length; i < count; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const buildTool: BuildTool = random() < 0.5 ? 'maven' : 'npm';
    let r = random();
    let variant: Variant = 'clean';
    for (const [v, w] of EXTRA_WEIGHTS) {
      if (r < w) {
        variant = v;
        break;
      }
      r -= w;
    }
    // The version-range skip and the removed API are Maven-side stories.
    if (buildTool === 'npm' && (variant === 'version-range' || variant === 'removed-api' || variant === 'flaky-test')) variant = 'clean';
    apps.push({ name: `${team}-svc-${String(i + 1).padStart(3, '0')}`, team, buildTool, variant, downstream: DOWNSTREAMS[Math.floor(random() * DOWNSTREAMS.length)]! });
  }
  return apps;
}

export interface FleetContext {
  readonly mavenRepoUrl: string;
  readonly agentDir: string;
  readonly registryUrl: string;
  readonly tarballIntegrity: string;
}

export interface Commit {
  readonly message: string;
  /** Files written (path → content); `null` deletes. */
  readonly files: Record<string, string | null>;
}

const javaPackage = (app: AppPlan): string => `com.shipshape.fleet.${app.name.replace(/-svc-/, '.svc').replace(/-/g, '.')}`;

export const usesComponent = (app: AppPlan): boolean => app.variant !== 'no-component';

// ---------------------------------------------------------------------------------------------- Maven

function pom(app: AppPlan, ctx: FleetContext, withComponent: boolean): string {
  const version = app.variant === 'version-range' ? '[1.4,2.0)' : COMPONENT.from;
  const component = withComponent
    ? `
    <dependency>
      <groupId>${COMPONENT.groupId}</groupId>
      <artifactId>${COMPONENT.artifactId}</artifactId>
      <version>${version}</version>
    </dependency>`
    : '';
  const repositories = withComponent
    ? `
  <repositories>
    <repository>
      <id>shipshape-fleet</id>
      <url>${ctx.mavenRepoUrl}</url>
    </repository>
  </repositories>
`
    : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>

  <groupId>com.shipshape.fleet</groupId>
  <artifactId>${app.name}</artifactId>
  <version>1.0.0</version>
  <name>${app.name}</name>
  <description>${app.team} team: ${app.name}</description>

  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <junit.version>5.10.2</junit.version>
  </properties>
${repositories}
  <dependencies>${component}
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>\${junit.version}</version>
      <scope>test</scope>
    </dependency>
  </dependencies>

  <build>
    <finalName>app</finalName>
    <plugins>
      <plugin>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <version>3.2.5</version>
      </plugin>
      <plugin>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.6.1</version>
        <executions>
          <execution>
            <id>runtime-libs</id>
            <phase>package</phase>
            <goals><goal>copy-dependencies</goal></goals>
            <configuration>
              <includeScope>runtime</includeScope>
              <outputDirectory>\${project.build.directory}/lib</outputDirectory>
            </configuration>
          </execution>
        </executions>
      </plugin>
      <plugin>
        <artifactId>maven-jar-plugin</artifactId>
        <version>3.4.1</version>
        <configuration>
          <archive>
            <manifest>
              <mainClass>${javaPackage(app)}.App</mainClass>
              <addClasspath>true</addClasspath>
              <classpathPrefix>lib/</classpathPrefix>
            </manifest>
          </archive>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

function javaApp(app: AppPlan): string {
  const pkg = javaPackage(app);
  const guard =
    app.variant === 'missing-variable'
      ? `
    // Payments credentials are mandatory: never start half-configured.
    if (System.getenv("PAYMENTS_API_KEY") == null || System.getenv("PAYMENTS_API_KEY").isEmpty()) {
      System.err.println("missing required environment variable PAYMENTS_API_KEY");
      System.exit(1);
    }`
      : '';
  return `package ${pkg};

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** ${app.name} (${app.team} team): HTTP on $HOST:$PORT with /health and /components. */
public final class App {
  private App() {}

  public static void main(String[] args) throws IOException {${guard}
    String host = System.getenv().getOrDefault("HOST", "127.0.0.1");
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    Backend backend = new Backend();
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/health", ex -> send(ex, "{\\"status\\":\\"UP\\"}"));
    server.createContext("/components", ex -> send(ex, Components.json()));
    server.createContext("/shipshape/components", ex -> send(ex, Components.json()));
    server.createContext("/", ex -> send(ex, "{\\"service\\":\\"${app.name}\\",\\"answer\\":\\"" + backend.answer("ping") + "\\"}"));
    server.start();
    System.out.println("${app.name} listening on " + host + ":" + server.getAddress().getPort());
  }

  private static void send(HttpExchange ex, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
`;
}

function javaBackend(app: AppPlan, withComponent: boolean): string {
  const pkg = javaPackage(app);
  if (!withComponent) {
    return `package ${pkg};

/** Answers locally: this service talks to no other service. */
public final class Backend {
  public String answer(String input) {
    return "${app.name}.local(" + input + ")";
  }
}
`;
  }
  const call = app.variant === 'removed-api' ? `client.${COMPONENT.removedMethod}("lookup")` : `client.${COMPONENT.methodRename.from}("lookup", input)`;
  return `package ${pkg};

import ${COMPONENT.type.from};

/** Answers by asking the ${app.downstream} service over the internal RPC. */
public final class Backend {
  private final RpcClient client = new RpcClient("${app.downstream}");

  public String answer(String input) {
    return ${call};
  }
}
`;
}

function javaComponents(app: AppPlan, withComponent: boolean): string {
  const pkg = javaPackage(app);
  return `package ${pkg};

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
${withComponent ? `import ${COMPONENT.type.from};\n` : ''}
/**
 * The components this process has loaded, as JSON (what detection-service reads at runtime), with the
 * path of its jar (artifact) and of each JavaAgent jar it was started with (agents, from -javaagent).
 */
public final class Components {
  private Components() {}

  public static String json() {
    List<String> entries = new ArrayList<>();
${withComponent ? `    entries.add(entry("${COMPONENT.groupId}:${COMPONENT.artifactId}", RpcClient.version()));\n` : ''}    String agent = System.getProperty("${AGENT.systemProperty}");
    if (agent != null) entries.add(entry("${AGENT.title}", agent));
    String artifact = App.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    List<String> agents = new ArrayList<>();
    for (String path : agentJars(ManagementFactory.getRuntimeMXBean().getInputArguments())) agents.add(quote(Path.of(path).toAbsolutePath().toString()));
    return "{\\"components\\":[" + String.join(",", entries) + "],\\"artifact\\":" + quote(artifact) + ",\\"agents\\":[" + String.join(",", agents) + "]}";
  }

  /** The jar of each -javaagent:<jar>[=<options>] among the JVM's arguments, in order. */
  static List<String> agentJars(List<String> jvmArguments) {
    List<String> jars = new ArrayList<>();
    for (String arg : jvmArguments) {
      if (!arg.startsWith("-javaagent:")) continue;
      String spec = arg.substring("-javaagent:".length());
      int options = spec.indexOf('=');
      jars.add(options == -1 ? spec : spec.substring(0, options));
    }
    return jars;
  }

  private static String entry(String name, String version) {
    return "{\\"ecosystem\\":\\"maven\\",\\"name\\":" + quote(name) + ",\\"version\\":" + quote(version) + "}";
  }

  private static String quote(String value) {
    return "\\"" + value.replace("\\\\", "\\\\\\\\").replace("\\"", "\\\\\\"") + "\\"";
  }
}
`;
}

function javaTest(app: AppPlan, withComponent: boolean): string {
  const pkg = javaPackage(app);
  const expected = !withComponent ? `${app.name}.local(42)` : app.variant === 'removed-api' ? `${app.downstream}.lookup()` : `${app.downstream}.lookup(42)`;
  const flaky =
    app.variant === 'flaky-test'
      ? `
  /** Warms a cache on disk; the first run in a fresh checkout times out (fails exactly once per checkout). */
  @Test
  void warmsTheCache() throws IOException {
    Path marker = Path.of("target", "cache-warmed.marker");
    if (Files.notExists(marker)) {
      Files.createDirectories(marker.getParent());
      Files.createFile(marker);
      fail("cache warm-up timed out (first run in this checkout)");
    }
  }
`
      : '';
  return `package ${pkg};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
${app.variant === 'flaky-test' ? 'import static org.junit.jupiter.api.Assertions.fail;\n\nimport java.io.IOException;\nimport java.nio.file.Files;\nimport java.nio.file.Path;\n' : ''}
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendTest {
  @Test
  void answersThroughItsBackend() {
    assertEquals("${expected}", new Backend().answer("42"));
  }

  @Test
  void reportsItsComponents() {
    assertTrue(Components.json().startsWith("{\\"components\\":["));
${withComponent ? `    assertTrue(Components.json().contains("${COMPONENT.groupId}:${COMPONENT.artifactId}"));\n` : ''}  }

  @Test
  void readsTheJarOfEachJavaAgent() {
    assertEquals(
        List.of("/opt/agents/a.jar", "/opt/b.jar"),
        Components.agentJars(List.of("-Xmx64m", "-javaagent:/opt/agents/a.jar", "-javaagent:/opt/b.jar=mode=fast,debug", "-Dx=y")));
    assertTrue(Components.json().contains("\\"agents\\":["));
  }
${flaky}}
`;
}

function runScript(ctx: FleetContext): string {
  return `#!/bin/sh
# Production start command: the service runs with the Shipshape JavaAgent, the version declared below
# unless the runtime sets SHIPSHAPE_AGENT_VERSION (a sidecar release): exactly one agent either way.
${AGENT.versionVariable}=${AGENT.from}
exec java -javaagent:"\${SHIPSHAPE_AGENT_DIR:-${ctx.agentDir}}/${AGENT.name}-\${${AGENT.runtimeVariable}:-\$${AGENT.versionVariable}}.jar" -jar target/app.jar
`;
}

function dockerfile(app: AppPlan): string {
  const agent = app.variant === 'agent';
  return `FROM eclipse-temurin:17-jre
WORKDIR /app
${agent ? `ENV ${AGENT.versionVariable}=${AGENT.from}\nADD https://repo.shipshape.example/agents/${AGENT.name}/${AGENT.from}/${AGENT.name}-${AGENT.from}.jar /opt/agent/${AGENT.name}.jar\nENV JAVA_TOOL_OPTIONS="-javaagent:/opt/agent/${AGENT.name}.jar"\n` : ''}COPY target/app.jar target/lib/ /app/
EXPOSE 8080
CMD ["java", "-jar", "/app/app.jar"]
`;
}

function readme(app: AppPlan, run: string, extra = ''): string {
  return `# ${app.name}

Owned by the **${app.team}** team. Part of the Shipshape sample fleet.

- Build: ${app.buildTool === 'maven' ? '`mvn -B -q -DskipTests package`' : '`npm ci`'}
- Test: ${app.buildTool === 'maven' ? '`mvn -B -q test`' : '`npm test`'}
- Run: \`${run}\` (listens on \`$HOST:$PORT\`; \`/health\`, \`/components\`)
${extra}`;
}

export function runCommand(app: AppPlan): string {
  if (app.buildTool === 'npm') return 'node server.js';
  return app.variant === 'agent' ? 'sh run.sh' : 'java -jar target/app.jar';
}

function mavenCommits(app: AppPlan, ctx: FleetContext): Commit[] {
  const dir = `src/main/java/${javaPackage(app).replaceAll('.', '/')}`;
  const testDir = `src/test/java/${javaPackage(app).replaceAll('.', '/')}`;
  const withComponent = usesComponent(app);
  const commits: Commit[] = [
    {
      message: `Create ${app.name} service skeleton`,
      files: {
        '.gitignore': 'target/\n',
        'README.md': readme(app, runCommand(app), app.variant === 'missing-variable' ? '- Needs `PAYMENTS_API_KEY` in its environment.\n' : ''),
        'pom.xml': pom(app, ctx, false),
        [`${dir}/App.java`]: javaApp(app),
        [`${dir}/Backend.java`]: javaBackend(app, false),
        [`${dir}/Components.java`]: javaComponents(app, false),
        [`${testDir}/BackendTest.java`]: javaTest(app, false),
      },
    },
  ];
  if (withComponent) {
    commits.push({
      message: `Call ${app.downstream} through the internal rpc-client`,
      files: {
        'pom.xml': pom(app, ctx, true),
        [`${dir}/Backend.java`]: javaBackend(app, true),
        [`${dir}/Components.java`]: javaComponents(app, true),
        [`${testDir}/BackendTest.java`]: javaTest(app, true),
      },
    });
  }
  commits.push({
    message: 'Add a Dockerfile for the platform build',
    files: { Dockerfile: dockerfile(app), ...(app.variant === 'agent' ? { 'run.sh': runScript(ctx) } : {}) },
  });
  return commits;
}

// ---------------------------------------------------------------------------------------------- npm

function packageJson(app: AppPlan, withComponent: boolean): string {
  const pkg = {
    name: `@shipshape-fleet/${app.name}`,
    version: '1.0.0',
    private: true,
    description: `${app.team} team: ${app.name}`,
    main: 'server.js',
    scripts: { start: 'node server.js', test: 'node --test' },
    engines: { node: '>=22' },
    ...(withComponent ? { dependencies: { [COMPONENT.npmName]: `^${COMPONENT.from}` } } : {}),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function packageLock(app: AppPlan, ctx: FleetContext, withComponent: boolean): string {
  const bare = COMPONENT.npmName.replace(/^@[^/]+\//, '');
  const lock = {
    name: `@shipshape-fleet/${app.name}`,
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: `@shipshape-fleet/${app.name}`,
        version: '1.0.0',
        ...(withComponent ? { dependencies: { [COMPONENT.npmName]: `^${COMPONENT.from}` } } : {}),
        engines: { node: '>=22' },
      },
      ...(withComponent
        ? {
            [`node_modules/${COMPONENT.npmName}`]: {
              version: COMPONENT.from,
              resolved: `${ctx.registryUrl}${COMPONENT.npmName}/-/${bare}-${COMPONENT.from}.tgz`,
              integrity: ctx.tarballIntegrity,
              license: 'Apache-2.0',
            },
          }
        : {}),
    },
  };
  return `${JSON.stringify(lock, null, 2)}\n`;
}

function serverJs(app: AppPlan): string {
  const guard =
    app.variant === 'missing-variable'
      ? `
// Payments credentials are mandatory: never start half-configured.
if (!process.env.PAYMENTS_API_KEY) {
  console.error('missing required environment variable PAYMENTS_API_KEY');
  process.exit(1);
}
`
      : '';
  return `'use strict';
const http = require('node:http');
const { answer } = require('./lib/backend');
const { components } = require('./lib/components');
${guard}
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 8080);

const server = http.createServer((req, res) => {
  const path = (req.url || '/').split('?')[0];
  const body =
    path === '/health' ? { status: 'UP' } : path === '/components' || path === '/shipshape/components' ? components() : { service: '${app.name}', answer: answer('ping') };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
});

server.listen(port, host, () => console.log(\`${app.name} listening on \${host}:\${server.address().port}\`));
`;
}

function backendJs(app: AppPlan, withComponent: boolean): string {
  if (!withComponent) {
    return `'use strict';

/** Answers locally: this service talks to no other service. */
exports.answer = (input) => \`${app.name}.local(\${input})\`;
`;
  }
  return `'use strict';
const { RpcClient } = require('${COMPONENT.npmName}');

/** Answers by asking the ${app.downstream} service over the internal RPC. */
const client = new RpcClient('${app.downstream}');

exports.answer = (input) => client.${COMPONENT.methodRename.from}('lookup', input);
`;
}

function componentsJs(withComponent: boolean): string {
  return `'use strict';
const path = require('node:path');

/** The components this process has loaded (what detection-service reads at runtime). */
exports.components = () => ({
  components: [${withComponent ? `\n    { ecosystem: 'npm', name: '${COMPONENT.npmName}', version: require('${COMPONENT.npmName}').version },\n  ` : ''}],
  appDir: path.resolve(__dirname, '..'),
});
`;
}

function backendTestJs(app: AppPlan, withComponent: boolean): string {
  const expected = withComponent ? `${app.downstream}.lookup(42)` : `${app.name}.local(42)`;
  return `'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { answer } = require('../lib/backend');
const { components } = require('../lib/components');

test('answers through its backend', () => {
  assert.strictEqual(answer('42'), '${expected}');
});

test('reports its components', () => {
  assert.ok(Array.isArray(components().components));
});
`;
}

function npmCommits(app: AppPlan, ctx: FleetContext): Commit[] {
  const withComponent = usesComponent(app);
  const commits: Commit[] = [
    {
      message: `Create ${app.name} service skeleton`,
      files: {
        '.gitignore': 'node_modules/\n',
        'README.md': readme(app, runCommand(app), app.variant === 'missing-variable' ? '- Needs `PAYMENTS_API_KEY` in its environment.\n' : ''),
        'package.json': packageJson(app, false),
        'package-lock.json': packageLock(app, ctx, false),
        'server.js': serverJs(app),
        'lib/backend.js': backendJs(app, false),
        'lib/components.js': componentsJs(false),
        'test/backend.test.js': backendTestJs(app, false),
      },
    },
  ];
  if (withComponent) {
    commits.push({
      message: `Call ${app.downstream} through the internal rpc-client`,
      files: {
        '.npmrc': `@shipshape-sample:registry=${ctx.registryUrl}\n`,
        'package.json': packageJson(app, true),
        'package-lock.json': packageLock(app, ctx, true),
        'lib/backend.js': backendJs(app, true),
        'lib/components.js': componentsJs(true),
        'test/backend.test.js': backendTestJs(app, true),
      },
    });
  }
  commits.push({
    message: 'Add a Dockerfile for the platform build',
    files: { Dockerfile: `FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nEXPOSE 8080\nCMD ["node", "server.js"]\n` },
  });
  return commits;
}

/** The commits that make up an application's `main`, oldest first. */
export function appCommits(app: AppPlan, ctx: FleetContext): Commit[] {
  return app.buildTool === 'maven' ? mavenCommits(app, ctx) : npmCommits(app, ctx);
}
