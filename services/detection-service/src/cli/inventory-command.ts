import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { directoryTree, extractComponents, type ComponentDeclaration, type ExtractionResult } from '@shipshape/manifests';
import type { InventoryEntry } from '../inventory/inventory.types';
import { resolveWithMaven } from '../source/maven-resolver';

export const INVENTORY_USAGE = `Usage: shipshape inventory scan <dir> [--json] [--resolve]
  Lists the components a repository declares (Maven, Gradle, npm, Dockerfile base images, JDK,
  JavaAgents) with their versions and where each is declared.
  --resolve  also resolve the full Maven tree with Maven (mvn dependency:tree; needs mvn on PATH)
Exit codes: 0 scanned; 1 some manifests could not be read (the rest is still listed), or Maven
failed; 2 bad usage.`;

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** `inventory …` (argv without the leading `inventory`); returns the exit code. */
export async function runInventoryCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout(`${INVENTORY_USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'scan') {
    io.stderr(`unknown inventory command "${sub}"\n${INVENTORY_USAGE}\n`);
    return 2;
  }
  const json = rest.includes('--json');
  const resolveMaven = rest.includes('--resolve');
  const unknown = rest.filter((a) => a.startsWith('-') && a !== '--json' && a !== '--resolve');
  const positional = rest.filter((a) => !a.startsWith('-'));
  if (unknown.length > 0 || positional.length !== 1) {
    io.stderr(`${unknown.length ? `unknown option ${unknown.join(', ')}` : 'expected exactly one directory'}\n${INVENTORY_USAGE}\n`);
    return 2;
  }
  const dir = resolve(positional[0]!);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    io.stderr(`not a directory: ${dir}\n`);
    return 2;
  }
  const result = extractComponents(directoryTree(dir));
  let resolved: InventoryEntry[] = [];
  let mavenFailed = false;
  if (resolveMaven && existsSync(join(dir, 'pom.xml'))) {
    try {
      resolved = await resolveWithMaven(dir, { command: process.env['MAVEN_COMMAND'] ?? 'mvn', timeoutMs: 600_000 });
    } catch (err) {
      mavenFailed = true;
      io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (json) io.stdout(`${JSON.stringify({ dir, ...result, ...(resolveMaven ? { resolved } : {}) }, null, 2)}\n`);
  else io.stdout(formatText(result) + formatResolved(resolved));
  for (const e of result.errors) io.stderr(`${e.file}:${e.line}: ${e.message}\n`);
  return result.errors.length > 0 || mavenFailed ? 1 : 0;
}

const loc = (l: { file: string; line: number } | null) => (l ? `${l.file}:${l.line}` : '');

function describe(c: ComponentDeclaration): string {
  const parts: string[] = [c.kind];
  if (c.via) parts.push(`via ${c.via}`);
  if (c.versionAt && loc(c.versionAt) !== loc(c.declaredAt)) parts.push(`version at ${loc(c.versionAt)}`);
  if (c.constraint) parts.push(`range ${c.constraint}`);
  if (!c.direct) parts.push('transitive');
  if (c.scope) parts.push(c.scope);
  if (c.problem) {
    const p = c.problem;
    switch (p.kind) {
      case 'undefined-property':
        parts.push(`PROBLEM undefined property ${p.property}`);
        break;
      case 'managed-outside-repo':
        parts.push(`PROBLEM managed outside the repository by ${p.by}`);
        break;
      case 'no-version':
        parts.push('PROBLEM no version');
        break;
      case 'unknown-catalog-entry':
        parts.push(`PROBLEM unknown catalog entry ${p.alias}`);
        break;
      default: {
        const never: never = p;
        throw new Error(`unhandled problem ${JSON.stringify(never)}`);
      }
    }
  }
  return parts.join('; ');
}

/** One line per declaration: ecosystem, name, version, where declared, how. */
export function formatText(result: ExtractionResult): string {
  const rows = [...result.components]
    .sort((a, b) => a.ecosystem.localeCompare(b.ecosystem) || a.name.localeCompare(b.name) || loc(a.declaredAt).localeCompare(loc(b.declaredAt)))
    .map((c) => [c.ecosystem, c.name, c.version ?? '?', loc(c.declaredAt), describe(c)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd());
  const direct = result.components.filter((c) => c.direct).length;
  lines.push(
    `${result.components.length} declarations (${direct} direct, ${result.components.length - direct} transitive) in ${result.manifests.length} manifests; ${result.errors.length} unreadable`,
  );
  return `${lines.join('\n')}\n`;
}

/** Maven's resolved tree, one line per dependency and module (`--resolve`). */
export function formatResolved(resolved: readonly InventoryEntry[]): string {
  if (resolved.length === 0) return '';
  const lines = resolved.map((e) => `resolved  ${e.name}  ${e.version ?? '?'}  ${e.module}  ${e.direct ? 'direct' : `transitive via ${e.via}`}; ${e.scope}`);
  return `${lines.join('\n')}\n${resolved.length} resolved by Maven (${resolved.filter((e) => !e.direct).length} transitive)\n`;
}
