/**
 * `npm run bench:change`: one Maven dependency bump across N generated bare repositories (BENCH_N,
 * default 1000; BENCH_CONCURRENCY, default 4). Prints one final JSON line:
 * {"bench":"change","n":…,"repos_per_s":…,"edits_per_s":…,"peak_rss_mb":…}
 * repos_per_s is end to end (mirror fetch, branch, edit, commit, push with lease); edits_per_s the recipe edit alone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyChange } from '../src/change/apply-change';
import { git } from '../src/git/git-runner';
import { GitWorkspaces } from '../src/git/git-workspaces';
import { createBareRepo } from '../src/git/seed-repo';
import { mavenRecipe } from '../src/recipes/maven';

const N = Number(process.env.BENCH_N ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.5</version>
  </parent>
  <groupId>com.acme.fleet</groupId>
  <artifactId>service</artifactId>
  <version>1.0.0</version>
  <properties>
    <java.version>17</java.version>
    <rpc-client.version>1.8.2</rpc-client.version>
  </properties>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>com.acme.rpc</groupId>
      <artifactId>rpc-client</artifactId>
      <version>\${rpc-client.version}</version>
    </dependency>
  </dependencies>
</project>
`;

async function main(): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const root = await mkdtemp(join(tmpdir(), 'shipshape-bench-change-'));
  try {
    // The fleet: one seeded repository, cloned bare N times (each its own remote).
    const seed = join(root, 'seed.git');
    await createBareRepo(seed, { files: { 'pom.xml': POM, 'src/main/java/App.java': 'class App {}\n' } });
    const remotes = Array.from({ length: N }, (_, i) => join(root, 'fleet', `svc-${String(i).padStart(4, '0')}.git`));
    const genStart = performance.now();
    for (let i = 0; i < remotes.length; i += 8) {
      await Promise.all(remotes.slice(i, i + 8).map((r) => git(['clone', '--quiet', '--bare', seed, r])));
    }
    process.stderr.write(`generated ${N} bare repositories in ${((performance.now() - genStart) / 1000).toFixed(1)}s\n`);

    // The recipe edit alone.
    const options = { groupId: 'com.acme.rpc', artifactId: 'rpc-client', toVersion: '2.0.0' };
    const editRounds = Math.max(N, 2000);
    const editStart = performance.now();
    for (let i = 0; i < editRounds; i++) {
      if (mavenRecipe.apply(POM, options, { path: 'pom.xml' }).content === null) throw new Error('edit made no change');
    }
    const editsPerS = editRounds / ((performance.now() - editStart) / 1000);

    // End to end.
    const workspaces = new GitWorkspaces({ cacheDir: join(root, 'mirrors'), workDir: join(root, 'work') });
    let next = 0;
    let pushed = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < remotes.length) {
          const remote = remotes[next++]!;
          const out = await applyChange(workspaces, {
            remoteUrl: `file://${remote}`,
            taskId: 'bench',
            application: remote.split('/').at(-1)!.replace(/\.git$/, ''),
            stepId: 'bench:change:1',
            rules: [{ recipe: 'maven', options }],
            author: { name: 'Shipshape Bench', email: 'bench@example.com' },
          });
          if (out.kind !== 'pushed') throw new Error(`${remote}: ${out.kind}`);
          pushed++;
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const check = await git(['show', 'shipshape/bench/svc-0000:pom.xml'], { cwd: remotes[0]! });
    if (!check.includes('<rpc-client.version>2.0.0</rpc-client.version>')) throw new Error('the pushed branch does not carry the edit');
    clearInterval(sampler);
    process.stderr.write(`pushed ${pushed} branches in ${seconds.toFixed(1)}s with concurrency ${CONCURRENCY}\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'change', n: N, repos_per_s: Number((pushed / seconds).toFixed(2)), edits_per_s: Math.round(editsPerS), peak_rss_mb: Math.round(peakRss / 1024 / 1024) })}\n`,
    );
  } finally {
    clearInterval(sampler);
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
