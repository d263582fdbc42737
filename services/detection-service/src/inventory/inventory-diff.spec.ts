import { describe, expect, it } from 'vitest';
import { diffInventory } from './inventory-diff';
import type { InventoryEntry, InventoryScope } from './inventory.types';

const entry = (name: string, version: string | null, extra: Partial<InventoryEntry> = {}): InventoryEntry => ({
  ecosystem: 'maven', name, version, constraint: null, direct: true, kind: 'direct', declaredFile: 'pom.xml', declaredLine: 1,
  versionFile: 'pom.xml', versionLine: 2, via: null, scope: null, module: '', problem: null, ...extra,
});
const scope: InventoryScope = { application: 'orders', origin: 'RUNTIME', instance: 'i-3', commit: 'abc' };

describe('diffInventory', () => {
  it('publishes nothing when the version set is unchanged', () => {
    expect(diffInventory(scope, [entry('a:b', '1.0')], [entry('a:b', '1.0', { declaredLine: 9 })])).toEqual([]);
  });
  it('OBSERVED with the previous versions; REMOVED for a component gone; keys carry origin and instance', () => {
    const changes = diffInventory(scope, [entry('a:b', '1.4'), entry('a:b', '2.0', { module: 'x' }), entry('c:d', '1')], [entry('a:b', '2.0'), entry('e:f', '10.1')], 42);
    expect(changes.map((c) => [c.key, c.value.kind, c.value.version, c.value.previousVersion, c.value.instance, c.value.observedAt])).toEqual([
      ['orders/RUNTIME@i-3/maven:a:b', 'OBSERVED', '2.0', '1.4,2.0', 'i-3', 42],
      ['orders/RUNTIME@i-3/maven:e:f', 'OBSERVED', '10.1', null, 'i-3', 42],
      ['orders/RUNTIME@i-3/maven:c:d', 'REMOVED', null, '1', 'i-3', 42],
    ]);
  });
});
