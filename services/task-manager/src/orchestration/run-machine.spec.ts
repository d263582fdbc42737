import { ERROR_CLASSES, ERROR_CLASS_POLICY, type ErrorClass, type Resource } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE_LISTS, defaultPipeline, retryDecision, stepIdFor, type PipelineStage, type RetryPolicy } from './pipeline';
import { initialRunState, isFinished, transition } from './run-machine';
import { CONTROL_TYPES, RELEASE_CONTROLS, type ControlEvent, type DispatchEffect, type Effect, type RunDefinition, type RunEventInput, type RunState, type StepResultEvent, type TransitionResult } from './run-state';

const RUN = 'run-1';
const STAGES = DEFAULT_STAGE_LISTS.component;
const ACQUIRES: Partial<Record<PipelineStage, Resource[]>> = {
  change: [{ kind: 'branch', id: 'shipshape/upgrade-1', attributes: { repositoryUrl: '/repos/a.git' } }],
  'test-deploy': [{ kind: 'test-environment', id: 'env-1', attributes: {} }],
  review: [{ kind: 'merge-request', id: 'mr-1', attributes: {} }],
};

function definition(overrides: Partial<RunDefinition> = {}): RunDefinition {
  return { stages: defaultPipeline('component'), approval: 'manual', dryRun: false, ...overrides };
}

function result(state: RunState, stage: PipelineStage, outcome: StepResultEvent['outcome'], errorClass: ErrorClass | null = null, extra: Partial<StepResultEvent> = {}): StepResultEvent {
  const s = state.stages.find((x) => x.name === stage);
  return {
    type: 'step-result',
    stepId: s?.stepId ?? 'none',
    stage,
    attempt: s?.attempt ?? 0,
    outcome,
    errorClass,
    message: null,
    acquired: outcome === 'SUCCEEDED' ? (ACQUIRES[stage] ?? []) : [],
    released: [],
    retryAfterMs: null,
    ...extra,
  };
}

function applied(r: TransitionResult): { state: RunState; effects: readonly Effect[] } {
  if (r.kind !== 'applied') throw new Error(`expected applied, got ${r.kind}: ${r.reason}`);
  return r;
}

function apply(state: RunState, event: RunEventInput): RunState {
  return applied(transition(state, event)).state;
}

const control = (c: ControlEvent): RunEventInput => ({ type: 'control', control: c });

function dispatches(effects: readonly Effect[]): DispatchEffect[] {
  return effects.filter((e): e is DispatchEffect => e.kind === 'dispatch');
}

/** Drives a fresh run until `stage` is running (every earlier stage succeeded). */
function runningAt(stage: PipelineStage, def = definition({ approval: 'automatic' })): RunState {
  let state = apply(initialRunState(RUN, def), { type: 'start' });
  for (const s of def.stages) {
    if (s.name === stage) return state;
    state = apply(state, result(state, s.name, 'SUCCEEDED'));
  }
  throw new Error(`stage ${stage} not in pipeline`);
}

interface Situation {
  readonly name: string;
  readonly state: RunState;
  /** The pipeline stage with a step in flight, if any. */
  readonly running: PipelineStage | null;
  readonly waiting: PipelineStage | null;
}

function situations(): Situation[] {
  const out: Situation[] = [{ name: 'pending', state: initialRunState(RUN, definition()), running: null, waiting: null }];
  for (const stage of STAGES) {
    const at = runningAt(stage);
    out.push({ name: `running ${stage}`, state: at, running: stage, waiting: null });
    out.push({ name: `paused while ${stage} runs`, state: apply(at, control({ type: 'pause' })), running: stage, waiting: null });
    out.push({ name: `waiting to retry ${stage}`, state: apply(at, result(at, stage, 'FAILED', 'TRANSIENT')), running: null, waiting: stage });
    out.push({ name: `failed at ${stage}`, state: apply(at, result(at, stage, 'FAILED', 'COMPILE_ERROR')), running: null, waiting: null });
  }
  const review = runningAt('review', definition());
  out.push({ name: 'awaiting approval', state: apply(review, result(review, 'review', 'SUCCEEDED')), running: null, waiting: null });
  let done = runningAt('detect');
  done = apply(done, result(done, 'detect', 'SUCCEEDED'));
  out.push({ name: 'succeeded', state: done, running: null, waiting: null });
  out.push({ name: 'aborted', state: apply(runningAt('test-verify'), control({ type: 'abort' })), running: null, waiting: null });
  const change = runningAt('change');
  out.push({ name: 'not applicable', state: apply(change, result(change, 'change', 'FAILED', 'NOT_APPLICABLE')), running: null, waiting: null });
  return out;
}

function events(s: Situation): { name: string; event: RunEventInput }[] {
  const out: { name: string; event: RunEventInput }[] = [];
  const stage = s.running ?? 'change';
  out.push({ name: 'result SUCCEEDED', event: result(s.state, stage, 'SUCCEEDED') });
  out.push({ name: 'result PROGRESS', event: result(s.state, stage, 'PROGRESS') });
  for (const c of ERROR_CLASSES) out.push({ name: `result FAILED ${c}`, event: result(s.state, stage, 'FAILED', c) });
  out.push({ name: 'late result', event: { ...result(s.state, stage, 'SUCCEEDED'), stepId: `${RUN}:${stage}:99` } });
  out.push({ name: 'deadline passed', event: { type: 'deadline-passed', stepId: s.state.stages.find((x) => x.name === stage)?.stepId ?? 'none' } });
  const waiting = s.waiting ?? 'change';
  out.push({ name: 'retry due', event: { type: 'retry-due', stage: waiting, attempt: (s.state.stages.find((x) => x.name === waiting)?.attempt ?? 0) + 1 } });
  out.push({ name: 'start', event: { type: 'start' } });
  out.push({ name: 'hook result', event: { type: 'hook-result', hookId: `${stepIdFor(RUN, stage, 1)}:before:0`, outcome: 'SUCCEEDED', errorClass: null, message: null } });
  for (const type of CONTROL_TYPES) {
    if (type === 'skip-stage') for (const st of STAGES) out.push({ name: `skip ${st}`, event: control({ type, stage: st }) });
    else if (type === 'release-control') for (const c of RELEASE_CONTROLS) out.push({ name: `release ${c}`, event: control({ type, control: c, commandId: `cmd-${c}` }) });
    else out.push({ name: type, event: control({ type }) });
  }
  return out;
}

/** The oracle: which outcome each (situation, event) must have, written independently of the machine. */
function expectedKind(s: Situation, name: string, event: RunEventInput): TransitionResult['kind'] {
  const st = s.state;
  const finished = isFinished(st.status);
  switch (event.type) {
    case 'start':
      return st.status === 'pending' ? 'applied' : 'ignored';
    case 'hook-result':
      return 'ignored'; // no hooks in this pipeline (run-machine.hooks.spec.ts covers them)
    case 'step-result':
      if (s.running !== null && name !== 'late result') return 'applied';
      // A late result of a finished run is ignored, except that what it acquired is released.
      return finished && event.acquired.some((r) => !st.ledger.some((e) => e.kind === r.kind && e.id === r.id)) ? 'applied' : 'ignored';
    case 'deadline-passed':
      return s.running !== null ? 'applied' : 'ignored';
    case 'retry-due':
      return s.waiting !== null ? 'applied' : 'ignored';
    case 'control': {
      const c = event.control;
      switch (c.type) {
        case 'retry-stage':
          return st.status === 'failed' || s.waiting !== null ? 'applied' : 'refused';
        case 'skip-stage': {
          if (finished && st.status !== 'failed') return 'refused';
          const stage = st.stages.find((x) => x.name === c.stage);
          return stage && ['pending', 'waiting-retry', 'failed'].includes(stage.status) ? 'applied' : 'refused';
        }
        case 'abort':
          return ['succeeded', 'aborted', 'not-applicable'].includes(st.status) ? 'refused' : 'applied';
        case 'restart':
          return ['failed', 'aborted', 'not-applicable'].includes(st.status) ? 'applied' : 'refused';
        case 'approve':
          return st.status === 'awaiting-approval' ? 'applied' : 'refused';
        case 'pause':
          return !finished && !st.paused ? 'applied' : 'refused';
        case 'resume':
          return st.paused ? 'applied' : 'refused';
        case 'release-control':
          return s.running === 'release' ? 'applied' : 'refused'; // the release step is with release-service
        default:
          return c satisfies never;
      }
    }
    default:
      return event satisfies never;
  }
}

/** Invariants every applied transition keeps. */
function checkInvariants(before: RunState, after: RunState, effects: readonly Effect[]): void {
  const running = after.stages.filter((s) => s.status === 'running');
  expect(running.length).toBeLessThanOrEqual(1);
  if (isFinished(after.status)) {
    expect(running).toEqual([]);
    expect(after.stages.filter((s) => s.status === 'waiting-retry')).toEqual([]);
    expect(after.ledger.filter((e) => e.status === 'held')).toEqual([]);
  }
  const seen = new Set([...before.stages.map((s) => s.stepId), ...before.ledger.map((e) => e.releaseStepId)].filter((x) => x !== null));
  for (const d of dispatches(effects)) {
    expect(d.stepId).toBe(stepIdFor(RUN, d.stage, d.attempt));
    expect(seen.has(d.stepId)).toBe(false);
    seen.add(d.stepId);
    if (d.stage === 'branch-release' || d.stage === 'env-release') {
      expect(d.resources.length).toBeGreaterThan(0);
      for (const r of d.resources) expect(after.ledger.find((e) => e.kind === r.kind && e.id === r.id)?.status).toBe('releasing');
    } else {
      expect(after.paused).toBe(false);
      expect(after.stages.find((s) => s.name === d.stage)?.status).toBe('running');
    }
  }
  const pipelineDispatches = dispatches(effects).filter((d) => d.stage !== 'branch-release' && d.stage !== 'env-release');
  expect(pipelineDispatches.length).toBeLessThanOrEqual(1);
}

describe('run machine: every situation × every event', () => {
  const all = situations();
  const table = all.flatMap((s) => events(s).map((e) => ({ situation: s, ...e })));

  it('covers every stage outcome, error class and control', () => {
    expect(all.length).toBe(1 + STAGES.length * 4 + 4);
    expect(table.length).toBe(all.length * (2 + ERROR_CLASSES.length + 5 + CONTROL_TYPES.length - 2 + STAGES.length + RELEASE_CONTROLS.length));
  });

  it.each(table.map((t) => [t.situation.name, t.name, t] as const))('%s + %s', (_s, _e, { situation, name, event }) => {
    const before = JSON.stringify(situation.state);
    const out = transition(situation.state, event);

    expect(JSON.stringify(situation.state)).toBe(before); // pure: the input is not mutated
    expect(out.kind).toBe(expectedKind(situation, name, event));
    expect(transition(situation.state, event)).toEqual(out); // deterministic
    if (out.kind === 'refused') {
      expect(out.reason.length).toBeGreaterThan(5);
      return;
    }
    if (out.kind === 'ignored') return;
    checkInvariants(situation.state, out.state, out.effects);

    if (event.type === 'step-result' && situation.running !== null) {
      const stage = situation.running;
      const index = STAGES.indexOf(stage);
      if (event.outcome === 'SUCCEEDED') {
        expect(out.state.stages[index]?.status).toBe('succeeded');
        const next = STAGES[index + 1];
        const gated = stage === 'review' && situation.state.definition.approval === 'manual';
        const pipeline = dispatches(out.effects).filter((d) => d.stage === next);
        if (next === undefined) expect(out.state.status).toBe('succeeded');
        else if (situation.state.paused || gated) expect(pipeline).toEqual([]);
        else expect(pipeline.map((d) => d.stepId)).toEqual([stepIdFor(RUN, next, 1)]);
      } else if (event.outcome === 'FAILED') {
        const errorClass = event.errorClass as ErrorClass;
        if (errorClass === 'NOT_APPLICABLE') expect(out.state.status).toBe('not-applicable');
        else if (retryDecision(situation.state.definition.stages[index]?.retry as RetryPolicy, errorClass, 1, null).retry) {
          expect(out.state.stages[index]?.status).toBe('waiting-retry');
          expect(out.effects).toContainEqual(expect.objectContaining({ kind: 'schedule-retry', stage, attempt: 2 }));
        } else {
          expect(ERROR_CLASS_POLICY[errorClass].retryable && situation.state.definition.stages[index]?.retry.maxAttempts !== 1).toBe(false);
          expect(out.state.status).toBe('failed');
          expect(out.effects).toContainEqual(expect.objectContaining({ kind: 'run-event', scope: 'RUN', transition: 'FAILED', errorClass }));
        }
      } else {
        expect(out.state).toEqual(situation.state);
        expect(out.effects).toEqual([expect.objectContaining({ kind: 'run-event', transition: 'PROGRESS' })]);
      }
    }
    if (event.type === 'control' && event.control.type !== 'approve') {
      // Every control that applies is a manual action (the policy's approval aside): the run is no longer one-shot.
      expect(out.state.manualActions).toBe(situation.state.manualActions + 1);
    } else {
      expect(out.state.manualActions).toBe(situation.state.manualActions);
    }
    if (event.type === 'control' && event.control.type === 'release-control') {
      const release = situation.state.stages.find((s) => s.name === 'release');
      expect(out.state).toEqual({ ...situation.state, manualActions: situation.state.manualActions + 1 });
      expect(out.effects).toEqual([
        {
          kind: 'run-event',
          scope: 'STAGE',
          transition: 'PROGRESS',
          stage: 'release',
          attempt: release?.attempt,
          stepId: release?.stepId,
          errorClass: null,
          message: `release ${event.control.control} sent to release-service by hand (command ${event.control.commandId})`,
        },
      ]);
    }
    if (event.type === 'control' && event.control.type === 'abort') {
      expect(out.state.status).toBe('aborted');
      if (situation.running !== null) expect(out.effects).toContainEqual({ kind: 'abandon-step', stepId: situation.state.stages.find((s) => s.name === situation.running)?.stepId });
    }
  });
});

describe('run machine: scenarios', () => {
  it('walks the default component pipeline, releasing each resource once no later stage needs it', () => {
    let state = apply(initialRunState(RUN, definition({ approval: 'automatic' })), { type: 'start' });
    const released: string[] = [];
    for (const stage of STAGES) {
      const out = applied(transition(state, result(state, stage, 'SUCCEEDED')));
      for (const d of dispatches(out.effects)) if (d.stage.endsWith('-release')) released.push(`${stage}→${d.stage}:${d.resources.map((r) => r.id).join('+')}`);
      state = out.state;
    }
    expect(state.status).toBe('succeeded');
    expect(released).toEqual(['test-verify→env-release:env-1', 'merge→branch-release:shipshape/upgrade-1+mr-1']);
    expect(state.ledger.map((e) => e.status)).toEqual(['releasing', 'releasing', 'releasing']);

    const envDone = apply(state, { type: 'step-result', stepId: `${RUN}:env-release:1`, stage: 'env-release', attempt: 1, outcome: 'SUCCEEDED', errorClass: null, message: null, acquired: [], released: [], retryAfterMs: null });
    expect(envDone.ledger.find((e) => e.id === 'env-1')?.status).toBe('released');
    const dup = transition(envDone, { type: 'step-result', stepId: `${RUN}:env-release:1`, stage: 'env-release', attempt: 1, outcome: 'SUCCEEDED', errorClass: null, message: null, acquired: [], released: [], retryAfterMs: null });
    expect(dup.kind).toBe('ignored');
  });

  it('keeps the commit the merge stage produced for release and detect; a restart forgets it', () => {
    const merging = runningAt('merge');
    expect(merging.mergedCommit).toBeNull();
    const merged = apply(merging, result(merging, 'merge', 'SUCCEEDED', null, { details: { mergedCommit: 'c0ffee'.padEnd(40, '0'), how: 'merged' } }));
    expect(merged.mergedCommit).toBe('c0ffee'.padEnd(40, '0'));
    const released = apply(merged, result(merged, 'release', 'SUCCEEDED'));
    expect(released.mergedCommit).toBe('c0ffee'.padEnd(40, '0'));
    const failed = apply(released, result(released, 'detect', 'FAILED', 'DETECTION_MISMATCH'));
    expect(apply(failed, control({ type: 'restart' })).mergedCommit).toBeNull();
  });

  it("keeps what the last successful test-verify reported for the merge request; a restart forgets it", () => {
    const verifying = runningAt('test-verify');
    const details = { testCommand: 'npm test', testsPassed: '12', testsFailed: '0', testsSkipped: '1', testDurationMs: '4200', environmentId: 'env-7', logs: '/x' };
    const links = [{ label: 'test log', url: 'http://test-env/api/environments/env-7/logs/test' }];
    const verified = apply(verifying, result(verifying, 'test-verify', 'SUCCEEDED', null, { details, links }));
    expect(verified.testResults).toEqual({ command: 'npm test', passed: '12', failed: '0', skipped: '1', durationMs: '4200', environmentId: 'env-7', url: links[0]!.url });
    const failed = apply(verified, result(verified, 'review', 'FAILED', 'INVALID_INPUT'));
    expect(failed.testResults).toEqual(verified.testResults);
    expect(apply(failed, control({ type: 'restart' })).testResults).toBeNull();
  });

  it('carries the held resources in each step command', () => {
    const state = runningAt('test-deploy');
    const out = applied(transition(state, result(state, 'test-deploy', 'SUCCEEDED')));
    expect(dispatches(out.effects)[0]?.resources.map((r) => r.kind)).toEqual(['branch', 'test-environment']);
  });

  it('backs off exponentially up to the maximum and honours retryAfterMs', () => {
    const policy: RetryPolicy = { initialIntervalMs: 100, coefficient: 3, maxIntervalMs: 500, maxAttempts: 5, nonRetryable: [] };
    expect([1, 2, 3, 4].map((a) => retryDecision(policy, 'TRANSIENT', a, null))).toEqual([
      { retry: true, delayMs: 100 },
      { retry: true, delayMs: 300 },
      { retry: true, delayMs: 500 },
      { retry: true, delayMs: 500 },
    ]);
    expect(retryDecision(policy, 'TRANSIENT', 5, null).retry).toBe(false);
    expect(retryDecision(policy, 'RATE_LIMITED', 1, 2_000)).toEqual({ retry: true, delayMs: 2_000 });
    expect(retryDecision(policy, 'TEST_FLAKY', 2, null).retry).toBe(false); // class limit of 2 attempts
    expect(retryDecision({ ...policy, nonRetryable: ['TIMEOUT'] }, 'TIMEOUT', 1, null).retry).toBe(false);
  });

  it('retries a retryable failure until it succeeds, then counts it as a retry', () => {
    let state = runningAt('change');
    state = apply(state, result(state, 'change', 'FAILED', 'TRANSIENT'));
    const out = applied(transition(state, { type: 'retry-due', stage: 'change', attempt: 2 }));
    expect(dispatches(out.effects).map((d) => d.stepId)).toEqual([`${RUN}:change:2`]);
    state = apply(out.state, result(out.state, 'change', 'SUCCEEDED'));
    expect(state.stages[0]).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(state.retries).toBe(1);
  });

  it('fails the run when retries are exhausted, and after a manual retry resumes where the released branch was made', () => {
    let state = runningAt('test-deploy');
    for (let attempt = 1; attempt <= 3; attempt++) {
      state = apply(state, result(state, 'test-deploy', 'FAILED', 'TIMEOUT'));
      if (attempt < 3) state = apply(state, { type: 'retry-due', stage: 'test-deploy', attempt: attempt + 1 });
    }
    expect(state.status).toBe('failed');
    expect(state.ledger.find((e) => e.kind === 'branch')?.status).toBe('releasing');

    const out = applied(transition(state, control({ type: 'retry-stage' })));
    expect(dispatches(out.effects).map((d) => d.stepId)).toEqual([`${RUN}:change:2`]);
    expect(out.state.status).toBe('running');
    expect(out.state.manualActions).toBe(1);
  });

  it('asks for a rebase when retrying after MERGE_CONFLICT', () => {
    let state = runningAt('merge');
    state = apply(state, result(state, 'merge', 'FAILED', 'MERGE_CONFLICT', { retryAfterMs: 5 }));
    const out = applied(transition(state, { type: 'retry-due', stage: 'merge', attempt: 2 }));
    expect(dispatches(out.effects)).toEqual([expect.objectContaining({ stage: 'merge', attempt: 2, rebase: true })]);
  });

  it('turns a passed deadline into TIMEOUT and abandons the step', () => {
    const state = runningAt('test-verify');
    const out = applied(transition(state, { type: 'deadline-passed', stepId: `${RUN}:test-verify:1` }));
    expect(out.effects[0]).toEqual({ kind: 'abandon-step', stepId: `${RUN}:test-verify:1` });
    expect(out.state.stages[2]).toMatchObject({ status: 'waiting-retry', lastErrorClass: 'TIMEOUT' });
  });

  it('ends NOT_APPLICABLE as not applicable and releases what it held', () => {
    const state = runningAt('test-deploy');
    const out = applied(transition(state, result(state, 'test-deploy', 'FAILED', 'NOT_APPLICABLE')));
    expect(out.state.status).toBe('not-applicable');
    expect(out.effects).toContainEqual(expect.objectContaining({ kind: 'run-event', scope: 'RUN', transition: 'SKIPPED', errorClass: 'NOT_APPLICABLE' }));
    expect(dispatches(out.effects).map((d) => d.stage)).toEqual(['branch-release']);
  });

  it('ignores a late result after abort but releases what it acquired', () => {
    const state = runningAt('test-deploy');
    const aborted = apply(state, control({ type: 'abort' }));
    const late = { ...result(state, 'test-deploy', 'SUCCEEDED') };
    const out = applied(transition(aborted, late));
    expect(out.state.status).toBe('aborted');
    expect(dispatches(out.effects)).toEqual([expect.objectContaining({ stage: 'env-release', resources: ACQUIRES['test-deploy'] })]);
    expect(transition(out.state, late).kind).toBe('ignored');
  });

  it('stops a dry run after test-verify', () => {
    let state = apply(initialRunState(RUN, definition({ dryRun: true })), { type: 'start' });
    for (const stage of ['change', 'test-deploy', 'test-verify'] as const) state = apply(state, result(state, stage, 'SUCCEEDED'));
    expect(state.status).toBe('succeeded');
    expect(state.stages.slice(3).every((s) => s.status === 'skipped')).toBe(true);
  });

  it('waits for approval after review under a manual policy', () => {
    let state = runningAt('review', definition());
    state = apply(state, result(state, 'review', 'SUCCEEDED'));
    expect(state.status).toBe('awaiting-approval');
    const out = applied(transition(state, control({ type: 'approve', by: 'alice' })));
    expect(dispatches(out.effects).map((d) => d.stage)).toEqual(['merge']);
  });

  it('pauses between stages and resumes with the next one', () => {
    let state = runningAt('change');
    state = apply(state, control({ type: 'pause' }));
    state = apply(state, result(state, 'change', 'SUCCEEDED'));
    expect(state.stages[1]?.status).toBe('pending');
    const out = applied(transition(state, control({ type: 'resume' })));
    expect(dispatches(out.effects).map((d) => d.stepId)).toEqual([`${RUN}:test-deploy:1`]);
  });

  it('restarts from the first stage with new step ids', () => {
    let state = runningAt('test-verify');
    state = apply(state, result(state, 'test-verify', 'FAILED', 'TEST_FAILURE'));
    expect(transition(runningAt('change'), control({ type: 'restart' }))).toEqual({ kind: 'refused', control: 'restart', reason: 'run is running; abort it first' });
    const out = applied(transition(state, control({ type: 'restart' })));
    expect(dispatches(out.effects).map((d) => d.stepId)).toEqual([`${RUN}:change:2`]);
  });

  it('refuses to skip a stage that succeeded, saying why', () => {
    const state = runningAt('test-deploy');
    expect(transition(state, control({ type: 'skip-stage', stage: 'change' }))).toEqual({ kind: 'refused', control: 'skip-stage', reason: 'stage change already succeeded' });
  });

  it('records each release control sent as a manual action, so a run whose release was paused and resumed is not one-shot', () => {
    let state = runningAt('release');
    const before = state;
    for (const [c, commandId] of [['pause', 'cmd-1'], ['resume', 'cmd-2']] as const) {
      const out = applied(transition(state, control({ type: 'release-control', control: c, commandId })));
      expect(dispatches(out.effects)).toEqual([]); // the release step itself goes on; release-service applies the control
      expect(out.effects).toEqual([expect.objectContaining({ kind: 'run-event', scope: 'STAGE', transition: 'PROGRESS', stepId: `${RUN}:release:1`, message: expect.stringContaining(commandId) })]);
      state = out.state;
    }
    expect(state).toEqual({ ...before, manualActions: 2 });
    state = apply(state, result(state, 'release', 'SUCCEEDED'));
    state = apply(state, result(state, 'detect', 'SUCCEEDED'));
    expect(state).toMatchObject({ status: 'succeeded', retries: 0, manualActions: 2 });
  });

  it('refuses a release control when no release step is with release-service, saying why', () => {
    expect(transition(runningAt('merge'), control({ type: 'release-control', control: 'pause', commandId: 'c' }))).toEqual({
      kind: 'refused',
      control: 'release-control',
      reason: 'no release in progress (run running, stage release pending)',
    });
    const dry = apply(initialRunState(RUN, definition({ stages: defaultPipeline('dry-run') })), { type: 'start' });
    expect(transition(dry, control({ type: 'release-control', control: 'abort', commandId: 'c' }))).toMatchObject({ kind: 'refused', reason: expect.stringContaining("not in this run's pipeline") });
  });

  it('counts pause and resume by hand as manual actions, not the approval the policy asks for', () => {
    let state = runningAt('review', definition());
    state = apply(state, result(state, 'review', 'SUCCEEDED'));
    state = apply(state, control({ type: 'approve', by: 'alice' }));
    expect(state).toMatchObject({ status: 'running', manualActions: 0 });
    state = apply(apply(state, control({ type: 'pause' })), control({ type: 'resume' }));
    expect(state.manualActions).toBe(2);
  });

  it('skipping a failed stage continues with the next one', () => {
    let state = runningAt('detect');
    state = apply(state, result(state, 'detect', 'FAILED', 'DETECTION_MISMATCH'));
    const out = applied(transition(state, control({ type: 'skip-stage', stage: 'detect' })));
    expect(out.state.status).toBe('succeeded');
  });
});
