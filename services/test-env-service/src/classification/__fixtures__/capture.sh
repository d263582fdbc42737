#!/usr/bin/env bash
# Re-creates the raw tool output the classifier fixtures were trimmed from: tiny broken projects in a
# temp dir, run with the real tools (javac, mvn, npm, node --test, tsc). Usage: capture.sh <out-dir>
# Needs Java 17, Maven (Central reachable), Node 22 (npm) and the workspace's node_modules/.bin/tsc.
set -u
OUT=$(realpath "${1:?out dir}")
mkdir -p "$OUT"
WORK=$(mktemp -d)
ROOT=$(cd "$(dirname "$0")/../../../../.." && pwd)
NODE_BIN="$ROOT/node_modules/.bin"
run() { local name=$1; shift; ( "$@" ) >"$OUT/$name.log" 2>&1; echo "exit=$?" >>"$OUT/$name.log"; }

pom() { # $1 dir, $2 extra dependency xml
  cat >"$1/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId><artifactId>sample</artifactId><version>1.0</version>
  <properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  <dependencies>
    <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.10.2</version><scope>test</scope></dependency>
    $2
  </dependencies>
  <build><plugins>
    <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
    <plugin><artifactId>maven-surefire-plugin</artifactId><version>3.2.5</version></plugin>
    <plugin><artifactId>maven-jar-plugin</artifactId><version>3.4.1</version></plugin>
  </plugins></build>
</project>
POM
  mkdir -p "$1/src/main/java/com/example" "$1/src/test/java/com/example"
  cat >"$1/src/main/java/com/example/App.java" <<'JAVA'
package com.example;
public class App { public static String greet() { return "hello"; } }
JAVA
  cat >"$1/src/test/java/com/example/AppTest.java" <<'JAVA'
package com.example;
import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Test;
class AppTest { @Test void greets() { assertEquals("hello", App.greet()); } }
JAVA
}

# javac: a type error
mkdir -p "$WORK/javac"; cat >"$WORK/javac/Broken.java" <<'JAVA'
public class Broken { int x = "not a number"; void f() { undefinedCall(); } }
JAVA
run javac-compile-error sh -c "cd $WORK/javac && javac Broken.java"

# maven: compile error in main code
mkdir -p "$WORK/m-compile"; pom "$WORK/m-compile" ""
echo 'package com.example; public class App { public static String greet() { return 42; } }' >"$WORK/m-compile/src/main/java/com/example/App.java"
run maven-compile-error sh -c "cd $WORK/m-compile && mvn -B -DskipTests package"

# maven: failing JUnit 5 test (surefire)
mkdir -p "$WORK/m-test"; pom "$WORK/m-test" ""
cat >"$WORK/m-test/src/test/java/com/example/AppTest.java" <<'JAVA'
package com.example;
import static org.junit.jupiter.api.Assertions.assertEquals;
import org.junit.jupiter.api.Test;
class AppTest {
  @Test void greets() { assertEquals("bonjour", App.greet()); }
  @Test void crashes() { throw new IllegalStateException("boom"); }
  @Test void passes() { assertEquals("hello", App.greet()); }
}
JAVA
run maven-test-failure sh -c "cd $WORK/m-test && mvn -B test"

# maven: a dependency that does not exist on Central
mkdir -p "$WORK/m-dep"; pom "$WORK/m-dep" '<dependency><groupId>com.example.shipshape</groupId><artifactId>does-not-exist</artifactId><version>9.9.9</version></dependency>'
run maven-missing-dependency sh -c "cd $WORK/m-dep && mvn -B -DskipTests package"

# maven: network refused while resolving (empty local repo, mirror on a closed port)
mkdir -p "$WORK/m-net"; pom "$WORK/m-net" ""
cat >"$WORK/m-net/settings.xml" <<'XML'
<settings><mirrors><mirror><id>down</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:9/maven2</url></mirror></mirrors></settings>
XML
run maven-network-refused sh -c "cd $WORK/m-net && mvn -B -s settings.xml -Dmaven.repo.local=$WORK/m-net/repo -DskipTests package"

# maven offline with an artifact not in the local repository
run maven-offline-missing sh -c "cd $WORK/m-dep && mvn -B -o -DskipTests package"

# build tool absent
run tool-absent-mvn env PATH=/nonexistent /bin/sh -c "mvn -B -q -DskipTests package"

# java server: port in use
mkdir -p "$WORK/j-port"; cat >"$WORK/j-port/Server.java" <<'JAVA'
import com.sun.net.httpserver.HttpServer; import java.net.InetSocketAddress;
public class Server { public static void main(String[] a) throws Exception {
  HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 0); s.start(); } }
JAVA
node -e 'require("net").createServer().listen(0,"127.0.0.1",function(){console.log(this.address().port)})' >"$WORK/port.txt" &
HOLD=$!; sleep 0.5; P=$(cat "$WORK/port.txt")
run java-port-in-use sh -c "cd $WORK/j-port && PORT=$P java Server.java"
# node server: port in use
mkdir -p "$WORK/n-port"; echo 'require("node:http").createServer(()=>{}).listen(Number(process.env.PORT),"127.0.0.1")' >"$WORK/n-port/server.js"
run node-port-in-use sh -c "cd $WORK/n-port && PORT=$P $NODE_BIN/node server.js"
kill $HOLD

# node: missing required variable (the sample app checks it at start)
mkdir -p "$WORK/n-env"; echo 'if (!process.env.GREETING) { console.error("missing required environment variable GREETING"); process.exit(1); }' >"$WORK/n-env/server.js"
run node-missing-variable sh -c "cd $WORK/n-env && $NODE_BIN/node server.js"

# node --test: failing tests, default (non-TTY) reporter and spec reporter, through npm test
mkdir -p "$WORK/n-test"; cat >"$WORK/n-test/package.json" <<'JSON'
{ "name": "sample", "version": "1.0.0", "private": true, "scripts": { "test": "node --test" } }
JSON
cat >"$WORK/n-test/app.test.js" <<'JS'
const test = require('node:test'); const assert = require('node:assert');
test('greets', () => { assert.strictEqual('hello', 'bonjour'); });
test('passes', () => { assert.ok(true); });
JS
run node-test-failure sh -c "cd $WORK/n-test && PATH=$NODE_BIN:\$PATH npm test"
run node-test-failure-spec sh -c "cd $WORK/n-test && PATH=$NODE_BIN:\$PATH node --test --test-reporter=spec"

# npm: a package that does not exist in the registry
mkdir -p "$WORK/n-dep"; cat >"$WORK/n-dep/package.json" <<'JSON'
{ "name": "sample", "version": "1.0.0", "private": true, "dependencies": { "@shipshape-fixture/does-not-exist": "1.0.0" } }
JSON
run npm-missing-dependency sh -c "cd $WORK/n-dep && PATH=$NODE_BIN:\$PATH npm install --no-audit --no-fund --cache $WORK/npm-cache"

# npm: registry refused (network blip)
run npm-network-refused sh -c "cd $WORK/n-dep && PATH=$NODE_BIN:\$PATH npm install --no-audit --no-fund --registry http://127.0.0.1:9/ --fetch-retries 0 --cache $WORK/npm-cache2"

# npm ci without a lockfile
mkdir -p "$WORK/n-ci"; echo '{ "name": "sample", "version": "1.0.0", "private": true }' >"$WORK/n-ci/package.json"
run npm-ci-no-lockfile sh -c "cd $WORK/n-ci && PATH=$NODE_BIN:\$PATH npm ci"

# tsc: type error in an npm build
mkdir -p "$WORK/n-tsc"; echo 'const n: number = "x"; export { n };' >"$WORK/n-tsc/index.ts"
run tsc-compile-error sh -c "cd $WORK/n-tsc && $NODE_BIN/tsc --noEmit --strict index.ts"

# node: syntax error in the app
mkdir -p "$WORK/n-syntax"; echo 'const x = ;' >"$WORK/n-syntax/server.js"
run node-syntax-error sh -c "cd $WORK/n-syntax && $NODE_BIN/node server.js"
echo "raw logs in $OUT (work dir $WORK)"
