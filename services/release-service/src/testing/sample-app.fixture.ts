import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServiceApp } from '@shipshape/service-kit';
import { RuntimeRegistry } from '../runtime/runtime.registry';

/**
 * A tiny real application in a real git repository, for release-service tests: node:http, no npm install.
 * Its version is the VERSION file; `/health` answers 200 unless the version's code says otherwise;
 * `/metrics` is Prometheus text with a request counter, an error counter (5xx) and a latency histogram
 * (buckets, sum, count of the requests finished before this one).
 */
export interface SampleRepo {
  readonly dir: string;
  readonly url: string;
  /** Commits a version on the default branch (main) and returns its commit id. */
  commitVersion(version: string, options?: { healthy?: string; onBranch?: string }): string;
  remove(): void;
}

/** `healthy` is a JS expression evaluated per /health request (process.env is there). */
function appSource(healthy: string): string {
  return `'use strict';
const http = require('node:http');
const fs = require('node:fs');
const version = fs.readFileSync(__dirname + '/VERSION', 'utf8').trim();
let requests = 0, errors = 0, seconds = 0, observed = 0;
const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const buckets = bounds.map(() => 0);
const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  requests += 1;
  let status = 200;
  let body = '';
  if (req.url === '/health') {
    status = (${healthy}) ? 200 : 503;
    body = JSON.stringify({ status: status === 200 ? 'ok' : 'error', version });
  } else if (req.url === '/metrics') {
    body = [
      '# HELP app_requests_total Requests served.', '# TYPE app_requests_total counter',
      'app_requests_total{app="sample"} ' + requests,
      '# TYPE app_request_errors_total counter', 'app_request_errors_total{app="sample"} ' + errors,
      '# TYPE app_request_duration_seconds histogram',
      ...bounds.map((le, i) => 'app_request_duration_seconds_bucket{le="' + le + '"} ' + buckets[i]),
      'app_request_duration_seconds_bucket{le="+Inf"} ' + observed,
      'app_request_duration_seconds_sum ' + seconds, 'app_request_duration_seconds_count ' + observed, '',
    ].join('\\n');
  } else if (req.url === '/version') {
    body = JSON.stringify({ version, instance: process.env.INSTANCE_ID || null, agent: process.env.SHIPSHAPE_AGENT_VERSION || null, pid: process.pid });
  } else {
    status = 404;
  }
  if (status >= 500) errors += 1;
  res.writeHead(status, { 'content-type': req.url === '/metrics' ? 'text/plain; version=0.0.4' : 'application/json' });
  res.end(body);
  const took = Number(process.hrtime.bigint() - started) / 1e9;
  seconds += took;
  observed += 1;
  bounds.forEach((le, i) => { if (took <= le) buckets[i] += 1; });
});
server.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } }).trim();
}

export function createSampleRepo(): SampleRepo {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-sample-app-'));
  git(dir, 'init', '--quiet', '--initial-branch=main');
  return {
    dir,
    url: `file://${dir}`,
    commitVersion(version, options = {}) {
      if (options.onBranch !== undefined) git(dir, 'checkout', '--quiet', '-B', options.onBranch);
      writeFileSync(join(dir, 'VERSION'), `${version}\n`);
      writeFileSync(join(dir, 'app.js'), appSource(options.healthy ?? 'true'));
      git(dir, 'add', '-A');
      git(dir, 'commit', '--quiet', '-m', `version ${version}`);
      const commit = git(dir, 'rev-parse', 'HEAD');
      if (options.onBranch !== undefined) git(dir, 'checkout', '--quiet', 'main');
      return commit;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Build and start commands of the sample app (the build is a real syntax check). */
export const SAMPLE_COMMANDS = { build: 'node --check app.js', start: 'node app.js' } as const;

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Tears down a release-service a test booted: its applications' instances stopped through the registry, the
 * app closed, and whatever the registry still records killed even when that failed.
 */
export async function closeReleaseService(running: RunningServiceApp | null | undefined, applications: readonly string[], databaseUrl: string | undefined): Promise<void> {
  try {
    if (running) {
      const registry = running.app.get(RuntimeRegistry);
      for (const application of applications) await registry.stopAll(application);
      await running.app.close();
    }
  } finally {
    if (databaseUrl !== undefined) await killRecordedInstances(databaseUrl);
  }
}

/** Last resort for afterAll: SIGKILLs the process group of every instance (and replacement) the registry of that database records. */
export async function killRecordedInstances(databaseUrl: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number | null; target_pid: string | null }>(`SELECT pid, target->>'pid' AS target_pid FROM runtime_instances`);
    for (const row of rows) {
      for (const pid of [row.pid, row.target_pid === null ? null : Number(row.target_pid)]) {
        if (pid === null || !Number.isInteger(pid) || pid <= 0) continue;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  } catch {
    // no database, no table: nothing was started
  } finally {
    await client.end().catch(() => undefined);
  }
}
