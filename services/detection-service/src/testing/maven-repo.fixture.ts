import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Group id of the fake artifacts (unique, so the shared ~/.m2 never mixes them with real ones). */
export const FIXTURE_GROUP = 'io.shipshape.detectiontest';

/**
 * A real Maven repository on disk (file:// URL) with a few fake artifacts: rpc-client 1.4.0 and
 * 2.0.0, and legacy-lib 1.0.0 that depends on rpc-client 1.4.0. Jars are made with `jar`.
 */
export function buildMavenRepo(root: string): string {
  const repo = join(root, 'maven-repo');
  const empty = join(root, 'empty-jar-content');
  mkdirSync(empty, { recursive: true });
  writeFileSync(join(empty, 'README.txt'), 'fixture\n');
  const artifact = (artifactId: string, version: string, deps: string) => {
    const dir = join(repo, ...FIXTURE_GROUP.split('.'), artifactId, version);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${artifactId}-${version}.pom`), `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>${FIXTURE_GROUP}</groupId>\n  <artifactId>${artifactId}</artifactId>\n  <version>${version}</version>\n  <dependencies>${deps}</dependencies>\n</project>\n`);
    execFileSync('jar', ['--create', '--file', join(dir, `${artifactId}-${version}.jar`), '--no-manifest', '-C', empty, '.']);
  };
  artifact('rpc-client', '1.4.0', '');
  artifact('rpc-client', '2.0.0', '');
  artifact('legacy-lib', '1.0.0', `<dependency><groupId>${FIXTURE_GROUP}</groupId><artifactId>rpc-client</artifactId><version>1.4.0</version></dependency>`);
  return `file://${repo}`;
}
