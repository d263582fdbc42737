import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShipshapeError } from '@shipshape/contracts';
import type { InventoryEntry } from '../inventory/inventory.types';

/** Maven ran but could not resolve the project (or timed out). */
export class MavenResolutionError extends ShipshapeError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DETECTION.MAVEN_FAILED', message, { details });
  }
}

/** Maven is not installed where the service runs: the caller falls back to the static mode. */
export class MavenUnavailableError extends ShipshapeError {
  constructor(command: string) {
    super('DETECTION.MAVEN_UNAVAILABLE', `${command} is not available`, { details: { command } });
  }
}

export interface MavenResolverOptions {
  readonly command: string;
  readonly timeoutMs: number;
  /** -Dmaven.repo.local; default: Maven's own (~/.m2/repository). */
  readonly repoLocal?: string;
}

/** The plugin is pinned so the result does not depend on Maven's default binding. */
const TREE_GOAL = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:tree';

/** Parses `dependency:tree` text output (one block per module) into RUNTIME-independent resolved entries. */
export function parseDependencyTree(text: string): InventoryEntry[] {
  const out: InventoryEntry[] = [];
  let module = '';
  const stack: string[] = [];
  for (const raw of text.replace(/\u001b\[[0-9;]*m/g, '').split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const m = /^((?:[|+\\ -]{3})*)(\S.*)$/.exec(raw);
    if (!m) continue;
    const depth = m[1]!.length / 3;
    const coords = m[2]!.split(' ')[0]!.split(':');
    if (depth === 0) {
      module = `${coords[0]}:${coords[1]}:${coords[coords.length - 1]}`;
      stack.length = 0;
      continue;
    }
    const [g, a] = coords;
    const version = coords.length >= 6 ? coords[4]! : coords[3]!;
    const scope = coords.length >= 6 ? coords[5]! : coords[4]!;
    stack.length = depth - 1;
    out.push({
      ecosystem: 'maven', name: `${g}:${a}`, version, constraint: null, direct: depth === 1, kind: 'resolved',
      declaredFile: `mvn dependency:tree of ${module}`, declaredLine: null, versionFile: null, versionLine: null,
      via: stack.length ? stack.join(' > ') : null, scope: scope ?? null, module, problem: null,
    });
    stack.push(`${g}:${a}:${version}`);
  }
  return out;
}

/** Resolves the full dependency tree of every module with Maven itself (`dependency:tree`). */
export async function resolveWithMaven(projectDir: string, options: MavenResolverOptions): Promise<InventoryEntry[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'detection-mvn-'));
  const outFile = join(outDir, 'tree.txt');
  try {
    const args = ['-B', '-q', '-Dstyle.color=never', TREE_GOAL, `-DoutputFile=${outFile}`, '-DappendOutput=true', ...(options.repoLocal ? [`-Dmaven.repo.local=${options.repoLocal}`] : [])];
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(options.command, args, { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const collect = (b: Buffer) => (output = (output + b.toString()).slice(-8000));
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(err.code === 'ENOENT' ? new MavenUnavailableError(options.command) : err);
      });
      child.on('close', (c, signal) => {
        clearTimeout(timer);
        resolve({ code: signal === 'SIGKILL' ? null : c, output });
      });
    });
    if (code !== 0) {
      const errors = output.split('\n').filter((l) => l.includes('[ERROR]')).slice(0, 3).join(' | ');
      throw new MavenResolutionError(code === null ? `mvn dependency:tree timed out after ${options.timeoutMs} ms` : `mvn dependency:tree failed: ${errors || output.slice(-500)}`, { exitCode: code });
    }
    return parseDependencyTree(readFileSync(outFile, 'utf8'));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
