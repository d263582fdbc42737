import { describe, expect, it } from 'vitest';
import type { ExpectedApplication } from '../fleet/generate';
import { deviationOf, type RunView } from './campaign';

const base = { buildTool: 'maven', team: 'payments', variant: 'clean', usesComponent: true, note: '' } as const;

function run(status: string, opts: { failed?: { stage: string; errorClass: string; message?: string }; retries?: number; manualActions?: number } = {}): RunView {
  const stages = opts.failed
    ? [{ name: opts.failed.stage, status: 'failed', lastErrorClass: opts.failed.errorClass, lastMessage: opts.failed.message ?? '' }]
    : [{ name: 'change', status: 'succeeded', lastErrorClass: null, lastMessage: null }];
  return {
    id: 'r1',
    taskId: 't1',
    application: 'app',
    team: 'payments',
    status,
    state: { stages, ledger: [], retries: opts.retries ?? 0, manualActions: opts.manualActions ?? 0 },
    steps: [],
    resources: [],
  } as unknown as RunView;
}

describe('deviationOf (a run against expected.json)', () => {
  it('accepts runs that end as expected', () => {
    expect(deviationOf(run('succeeded'), { ...base, outcome: 'succeeded', oneShot: true })).toBeNull();
    expect(deviationOf(run('succeeded', { retries: 1 }), { ...base, outcome: 'succeeded', oneShot: false, retriedClass: 'TEST_FLAKY' })).toBeNull();
    expect(deviationOf(run('failed', { failed: { stage: 'test-deploy', errorClass: 'ENV_CONFIG' } }), { ...base, outcome: 'failed', errorClass: 'ENV_CONFIG', stage: 'test-deploy' })).toBeNull();
    const skipped = run('failed', { failed: { stage: 'change', errorClass: 'DEPENDENCY_RESOLUTION', message: 'skipped rpc-client at pom.xml:26: version-range' } });
    expect(deviationOf(skipped, { ...base, outcome: 'skipped', skipReason: 'version-range' })).toBeNull();
    expect(deviationOf(run('not-applicable'), { ...base, outcome: 'not_applicable' })).toBeNull();
  });

  it('names what differs', () => {
    const envConfig: ExpectedApplication = { ...base, outcome: 'failed', errorClass: 'ENV_CONFIG', stage: 'test-deploy' };
    expect(deviationOf(run('succeeded'), envConfig)).toBe('app: succeeded, expected failed ENV_CONFIG at test-deploy');
    expect(deviationOf(run('failed', { failed: { stage: 'test-deploy', errorClass: 'COMPILE_ERROR' } }), envConfig)).toBe(
      'app: failed COMPILE_ERROR at test-deploy, expected failed ENV_CONFIG at test-deploy',
    );
    expect(deviationOf(run('succeeded', { manualActions: 1 }), { ...base, outcome: 'succeeded', oneShot: true })).toBe('app: succeeded, expected succeeded in one shot');
    expect(deviationOf(run('failed', { failed: { stage: 'change', errorClass: 'DEPENDENCY_RESOLUTION', message: 'no such version' } }), { ...base, outcome: 'skipped', skipReason: 'version-range' })).toBe(
      'app: failed DEPENDENCY_RESOLUTION at change, expected failed DEPENDENCY_RESOLUTION at change (version-range)',
    );
    expect(deviationOf(run('succeeded'), { ...base, outcome: 'not_applicable' })).toBe('app: succeeded, expected not-applicable');
    expect(deviationOf(run('succeeded'), undefined)).toBe('app: not in expected.json');
  });
});
