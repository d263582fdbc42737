import { compareVersions } from '@shipshape/manifests';
import type { InventoryEntry } from '../inventory/inventory.types';
import type { InstanceReading } from '../runtime/runtime-scan.service';

/** One reason the upgrade is not proven. */
export type Evidence =
  | { readonly kind: 'source-not-declared'; readonly commit: string }
  | { readonly kind: 'source-version'; readonly version: string; readonly declaredAt: string; readonly versionAt: string | null; readonly how: string }
  | { readonly kind: 'source-transitive'; readonly version: string; readonly path: string; readonly declaredAt: string }
  | { readonly kind: 'source-unresolved'; readonly declaredAt: string; readonly problem: string }
  | { readonly kind: 'no-instances' }
  | { readonly kind: 'runtime-unreachable'; readonly instance: string; readonly reason: string }
  | { readonly kind: 'runtime-missing'; readonly instance: string }
  | { readonly kind: 'runtime-version'; readonly instance: string; readonly version: string; readonly where: string; readonly how: string }
  | { readonly kind: 'runtime-commit'; readonly instance: string; readonly commit: string | null; readonly expected: string };

export interface VerificationInput {
  readonly target: { readonly ecosystem: string; readonly coordinates: string; readonly toVersion: string };
  readonly source: { readonly commit: string; readonly entries: readonly InventoryEntry[] } | null;
  readonly instances: readonly (InstanceReading & { readonly commit: string | null })[] | null;
  readonly expectedCommit: string | null;
}

const at = (file: string | null, line: number | null) => (file === null ? '?' : line === null ? file : `${file}:${line}`);
/** Same component; an instance reporting its JavaAgent generically (`agent`, as release-service does) matches any agent target. */
const matches = (e: InventoryEntry, t: VerificationInput['target']) =>
  e.ecosystem === t.ecosystem && (e.name === t.coordinates || (t.ecosystem === 'java-agent' && e.name === 'agent' && e.kind === 'instance-event'));
const same = (v: string, target: string) => compareVersions(v, target) === 0;

/** What the default branch declares/resolves and what every production instance has loaded, against the target version. */
export function verify(input: VerificationInput): Evidence[] {
  const { target } = input;
  const out: Evidence[] = [];
  if (input.source) {
    const found = input.source.entries.filter((e) => matches(e, target));
    if (found.length === 0) out.push({ kind: 'source-not-declared', commit: input.source.commit });
    for (const e of found) {
      const declaredAt = at(e.declaredFile, e.declaredLine);
      if (e.version === null) out.push({ kind: 'source-unresolved', declaredAt, problem: e.problem ? JSON.stringify(e.problem) : 'no version' });
      else if (same(e.version, target.toVersion)) continue;
      else if (!e.direct) out.push({ kind: 'source-transitive', version: e.version, path: e.via ?? e.name, declaredAt });
      else out.push({ kind: 'source-version', version: e.version, declaredAt, versionAt: e.versionFile === null ? null : at(e.versionFile, e.versionLine), how: e.kind });
    }
  }
  if (input.instances) {
    if (input.instances.length === 0) out.push({ kind: 'no-instances' });
    for (const i of input.instances) {
      if (!i.ok) {
        out.push({ kind: 'runtime-unreachable', instance: i.instance, reason: i.message });
        continue;
      }
      if (input.expectedCommit && i.commit !== input.expectedCommit) out.push({ kind: 'runtime-commit', instance: i.instance, commit: i.commit, expected: input.expectedCommit });
      const loaded = i.entries.filter((e) => matches(e, target));
      if (loaded.length === 0) out.push({ kind: 'runtime-missing', instance: i.instance });
      for (const e of loaded) {
        if (e.version !== null && same(e.version, target.toVersion)) continue;
        out.push({ kind: 'runtime-version', instance: i.instance, version: e.version ?? '?', where: e.declaredFile ?? '?', how: e.kind });
      }
    }
  }
  return out;
}

/**
 * The error class of a failed verification. Only unreachable instances (or none recorded yet) is
 * TRANSIENT: right after a release, the RuntimeInstanceEvents that give the new instances' addresses
 * may not be consumed yet, so task-manager retries the detect stage. Any version or commit evidence
 * is DETECTION_MISMATCH.
 */
export function errorClassOf(evidence: readonly Evidence[]): 'TRANSIENT' | 'DETECTION_MISMATCH' {
  return evidence.length > 0 && evidence.every((e) => e.kind === 'runtime-unreachable' || e.kind === 'no-instances') ? 'TRANSIENT' : 'DETECTION_MISMATCH';
}

/** A one-line description of a piece of evidence, for humans. */
export function describeEvidence(e: Evidence, target: string): string {
  switch (e.kind) {
    case 'source-not-declared':
      return `source at ${e.commit.slice(0, 12)} does not declare ${target}`;
    case 'source-version':
      return `source ${e.declaredAt} resolves ${target} to ${e.version} (${e.how}${e.versionAt && e.versionAt !== e.declaredAt ? `, version at ${e.versionAt}` : ''})`;
    case 'source-transitive':
      return `a transitive dependency still pulls ${target} ${e.version} (${e.path}, ${e.declaredAt})`;
    case 'source-unresolved':
      return `source ${e.declaredAt}: version of ${target} cannot be resolved (${e.problem})`;
    case 'no-instances':
      return 'no production instance is known for the application';
    case 'runtime-unreachable':
      return `instance ${e.instance} could not be read: ${e.reason}`;
    case 'runtime-missing':
      return `instance ${e.instance} does not report ${target} as loaded`;
    case 'runtime-version':
      return `instance ${e.instance} still loads ${target} ${e.version} (${e.how}: ${e.where})`;
    case 'runtime-commit':
      return `instance ${e.instance} runs commit ${e.commit ?? 'unknown'}, expected ${e.expected}`;
    default: {
      const never: never = e;
      throw new Error(`unhandled evidence ${JSON.stringify(never)}`);
    }
  }
}
