import { randomUUID } from 'node:crypto';
import type { InventoryChangeInput } from '@shipshape/contracts';
import { compareVersions } from '@shipshape/manifests';
import type { InventoryEntry, InventoryScope } from './inventory.types';

interface Summary {
  readonly versions: string;
  readonly declaredIn: string | null;
  readonly managedBy: string | null;
  readonly direct: boolean;
}

/** Per component (`ecosystem:name`): its distinct versions (ascending, comma-separated), first declaring file, direct or not. */
export function summarise(entries: readonly InventoryEntry[]): Map<string, Summary & { ecosystem: string; name: string }> {
  const groups = new Map<string, InventoryEntry[]>();
  for (const e of entries) {
    const key = `${e.ecosystem}:${e.name}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const out = new Map<string, Summary & { ecosystem: string; name: string }>();
  for (const [key, list] of groups) {
    const versions = [...new Set(list.map((e) => e.version).filter((v): v is string => v !== null))].sort(compareVersions);
    const first = list.find((e) => e.direct) ?? list[0]!;
    out.set(key, {
      ecosystem: first.ecosystem,
      name: first.name,
      versions: versions.join(','),
      declaredIn: first.versionFile ?? first.declaredFile,
      managedBy: first.kind === 'direct' ? null : (first.via ?? first.kind),
      direct: list.some((e) => e.direct),
    });
  }
  return out;
}

/** The key of an inventory change on the compacted topic: application / origin[@instance] / ecosystem:name. */
export function inventoryKey(scope: InventoryScope, ecosystem: string, name: string): string {
  return `${scope.application}/${scope.origin}${scope.instance ? `@${scope.instance}` : ''}/${ecosystem}:${name}`;
}

/** OBSERVED for a new component or a changed version set, REMOVED for a component gone. */
export function diffInventory(scope: InventoryScope, before: readonly InventoryEntry[], after: readonly InventoryEntry[], now = Date.now()): { key: string; value: InventoryChangeInput }[] {
  const prev = summarise(before);
  const next = summarise(after);
  const changes: { key: string; value: InventoryChangeInput }[] = [];
  const base = { observedAt: now, application: scope.application, origin: scope.origin, commit: scope.commit, instance: scope.instance || null };
  for (const [key, s] of next) {
    const p = prev.get(key);
    if (p && p.versions === s.versions && p.direct === s.direct) continue;
    changes.push({
      key: inventoryKey(scope, s.ecosystem, s.name),
      value: { ...base, eventId: randomUUID(), component: { ecosystem: s.ecosystem, coordinates: s.name }, kind: 'OBSERVED', version: s.versions || null, previousVersion: p?.versions || null, declaredIn: s.declaredIn, managedBy: s.managedBy, direct: s.direct },
    });
  }
  for (const [key, p] of prev) {
    if (next.has(key)) continue;
    changes.push({
      key: inventoryKey(scope, p.ecosystem, p.name),
      value: { ...base, eventId: randomUUID(), component: { ecosystem: p.ecosystem, coordinates: p.name }, kind: 'REMOVED', version: null, previousVersion: p.versions || null, declaredIn: null, managedBy: null, direct: p.direct },
    });
  }
  return changes;
}
