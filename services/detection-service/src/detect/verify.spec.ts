import { describe, expect, it } from 'vitest';
import type { InventoryEntry } from '../inventory/inventory.types';
import { describeEvidence, errorClassOf, verify, type VerificationInput } from './verify';

const target = { ecosystem: 'maven', coordinates: 'com.acme:rpc-client', toVersion: '2.0.0' };
const e = (version: string | null, extra: Partial<InventoryEntry> = {}): InventoryEntry => ({
  ecosystem: 'maven', name: 'com.acme:rpc-client', version, constraint: null, direct: true, kind: 'property', declaredFile: 'pom.xml', declaredLine: 30,
  versionFile: 'pom.xml', versionLine: 12, via: 'rpc.version', scope: null, module: '', problem: null, ...extra,
});
const ok = (instance: string, entries: InventoryEntry[], commit: string | null = 'c1') => ({ ok: true as const, instance, entries, commit });
const run = (over: Partial<VerificationInput>) => verify({ target, source: { commit: 'c1', entries: [e('2.0.0')] }, instances: [ok('i-1', [e('2.0.0', { kind: 'pom-properties', declaredFile: 'app.jar!/BOOT-INF/lib/rpc-client-2.0.0.jar' })])], expectedCommit: null, ...over });

describe('verify (one case per evidence kind)', () => {
  it('no evidence when source and every instance show the target', () => {
    expect(run({})).toEqual([]);
  });
  it('source-not-declared', () => expect(run({ source: { commit: 'c1', entries: [] } }).map((x) => x.kind)).toEqual(['source-not-declared']));
  it('source-version names where it is declared and where the version is written', () => {
    const [ev] = run({ source: { commit: 'c1', entries: [e('2.0.0'), e('1.4.0', { declaredFile: 'worker/pom.xml', declaredLine: 18, versionFile: 'worker/pom.xml', versionLine: 21, kind: 'direct' })] } });
    expect(describeEvidence(ev!, 'com.acme:rpc-client')).toBe('source worker/pom.xml:18 resolves com.acme:rpc-client to 1.4.0 (direct, version at worker/pom.xml:21)');
  });
  it('source-transitive', () => {
    const [ev] = run({ source: { commit: 'c1', entries: [e('2.0.0'), e('1.4.0', { direct: false, kind: 'lockfile', via: 'node_modules/a/node_modules/rpc', declaredFile: 'package-lock.json', declaredLine: 40 })] } });
    expect(describeEvidence(ev!, 'rpc')).toBe('a transitive dependency still pulls rpc 1.4.0 (node_modules/a/node_modules/rpc, package-lock.json:40)');
  });
  it('source-unresolved', () => expect(run({ source: { commit: 'c1', entries: [e(null, { problem: { kind: 'undefined-property', property: 'rpc.version' } })] } })[0]).toMatchObject({ kind: 'source-unresolved' }));
  it('no-instances', () => expect(run({ instances: [] }).map((x) => x.kind)).toEqual(['no-instances']));
  it('runtime-unreachable', () => expect(run({ instances: [{ ok: false, instance: 'i-2', code: 'DETECTION.INSTANCE_UNREADABLE', message: 'connection refused', commit: null }] })[0]).toMatchObject({ kind: 'runtime-unreachable', instance: 'i-2' }));
  it('runtime-missing', () => expect(run({ instances: [ok('i-1', [])] })[0]).toMatchObject({ kind: 'runtime-missing', instance: 'i-1' }));
  it('runtime-version: instance 3 still loads the old jar', () => {
    const [ev] = run({ instances: [ok('i-1', [e('2.0.0')]), ok('i-3', [e('1.4.0', { kind: 'pom-properties', declaredFile: 'app.jar!/BOOT-INF/lib/rpc-client-1.4.0.jar' })])] });
    expect(describeEvidence(ev!, 'com.acme:rpc-client')).toBe('instance i-3 still loads com.acme:rpc-client 1.4.0 (pom-properties: app.jar!/BOOT-INF/lib/rpc-client-1.4.0.jar)');
  });
  it('runtime-commit', () => expect(run({ expectedCommit: 'c2' }).map((x) => x.kind)).toEqual(['runtime-commit']));
  it('a sidecar agent reported generically by the instance event counts for the agent target', () => {
    const agent = { ecosystem: 'java-agent', coordinates: 'opentelemetry-javaagent', toVersion: '1.32.0' };
    const reported = (v: string) => e(v, { ecosystem: 'java-agent', name: 'agent', kind: 'instance-event', declaredFile: 'instance event evt-1' });
    expect(verify({ target: agent, source: null, instances: [ok('i-1', [reported('1.32.0')]), ok('i-2', [reported('1.31.0')])], expectedCommit: null })).toEqual([
      { kind: 'runtime-version', instance: 'i-2', version: '1.31.0', where: 'instance event evt-1', how: 'instance-event' },
    ]);
  });
  it('skips what the step does not ask for', () => expect(run({ source: null, instances: null })).toEqual([]));
});

describe('errorClassOf', () => {
  it('is TRANSIENT only when the instances could not be read (or none is recorded yet), so the stage is retried', () => {
    expect(errorClassOf([{ kind: 'runtime-unreachable', instance: 'i-0', reason: 'fetch failed' }, { kind: 'no-instances' }])).toBe('TRANSIENT');
    expect(errorClassOf([{ kind: 'runtime-unreachable', instance: 'i-0', reason: 'fetch failed' }, { kind: 'runtime-missing', instance: 'i-1' }])).toBe('DETECTION_MISMATCH');
    expect(errorClassOf([{ kind: 'source-not-declared', commit: 'c1' }])).toBe('DETECTION_MISMATCH');
  });
});
