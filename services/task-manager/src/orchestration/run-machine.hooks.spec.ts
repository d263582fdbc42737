/**
 * Stage hooks in the run state machine: every situation with a hook running × every event, against
 * an oracle written independently of the machine, plus scenarios.
 */
import { ERROR_CLASSES, type ErrorClass } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STAGE_LISTS, defaultPipeline, hookIdFor, retryDecision, stepIdFor, type HookPhase, type PipelineStage } from './pipeline';
import { initialRunState, isFinished, transition } from './run-machine';
import { CONTROL_TYPES, RELEASE_CONTROLS, type ControlEvent, type DispatchEffect, type Effect, type RunDefinition, type RunEventInput, type RunHookEffect, type RunState, type StepResultEvent, type TransitionResult } from './run-state';

const RUN = 'run-h';
const STAGES = DEFAULT_STAGE_LISTS.component;
/** Every stage: two hooks before its step, one after. */
const HOOKED: RunDefinition = { stages: defaultPipeline('component').map((s) => ({ ...s, hooks: { before: 2, after: 1 } })), approval: 'automatic', dryRun: false };

function applied(r: TransitionResult): { state: RunState; effects: readonly Effect[] } {
  if (r.kind !== 'applied') throw new Error(`expected applied, got ${r.kind}: ${r.reason}`);
  return r;
}
const apply = (state: RunState, event: RunEventInput) => applied(transition(state, event)).state;
const control = (c: ControlEvent): RunEventInput => ({ type: 'control', control: c });
const hooksRun = (effects: readonly Effect[]) => effects.filter((e): e is RunHookEffect => e.kind === 'run-hook');
const dispatches = (effects: readonly Effect[]) => effects.filter((e): e is DispatchEffect => e.kind === 'dispatch');
const stageOf = (state: RunState, stage: PipelineStage) => state.stages.find((s) => s.name === stage)!;

function stepResult(state: RunState, stage: PipelineStage, outcome: StepResultEvent['outcome'], errorClass: ErrorClass | null = null): StepResultEvent {
  const s = stageOf(state, stage);
  return { type: 'step-result', stepId: s.stepId ?? 'none', stage, attempt: s.attempt, outcome, errorClass, message: `step ${outcome}`, acquired: [], released: [], retryAfterMs: null };
}
function hookResult(state: RunState, outcome: 'SUCCEEDED' | 'FAILED', errorClass: ErrorClass | null = null, hookId?: string): RunEventInput {
  const running = state.stages.find((s) => s.hook)?.hook;
  return { type: 'hook-result', hookId: hookId ?? running?.hookId ?? 'none', outcome, errorClass, message: outcome === 'FAILED' ? 'hook said no' : null };
}

/** A fresh run driven until `stage`'s hook (phase, index) runs. */
function atHook(stage: PipelineStage, phase: HookPhase, index: number): RunState {
  let state = apply(initialRunState(RUN, HOOKED), { type: 'start' });
  for (const s of STAGES) {
    for (let i = 0; i < 2; i++) {
      if (s === stage && phase === 'before' && i === index) return state;
      state = apply(state, hookResult(state, 'SUCCEEDED'));
    }
    state = apply(state, stepResult(state, s, 'SUCCEEDED'));
    if (s === stage && phase === 'after') return state;
    state = apply(state, hookResult(state, 'SUCCEEDED'));
  }
  throw new Error('unreachable');
}

interface Situation {
  readonly name: string;
  readonly state: RunState;
  readonly stage: PipelineStage;
  readonly phase: HookPhase;
  readonly index: number;
}

function situations(): Situation[] {
  const out: Situation[] = [];
  for (const stage of STAGES) {
    for (const [phase, index] of [['before', 0], ['before', 1], ['after', 0]] as const) {
      const state = atHook(stage, phase, index);
      out.push({ name: `${phase} hook ${index + 1} of ${stage}`, state, stage, phase, index });
      out.push({ name: `paused during ${phase} hook ${index + 1} of ${stage}`, state: apply(state, control({ type: 'pause' })), stage, phase, index });
    }
  }
  return out;
}

function events(s: Situation): { name: string; event: RunEventInput }[] {
  const out: { name: string; event: RunEventInput }[] = [
    { name: 'hook SUCCEEDED', event: hookResult(s.state, 'SUCCEEDED') },
    { name: 'late hook result', event: hookResult(s.state, 'SUCCEEDED', null, `${stepIdFor(RUN, s.stage, 9)}:before:0`) },
    { name: 'step result SUCCEEDED', event: stepResult(s.state, s.stage, 'SUCCEEDED') },
    { name: 'step result FAILED', event: stepResult(s.state, s.stage, 'FAILED', 'COMPILE_ERROR') },
    { name: 'deadline passed', event: { type: 'deadline-passed', stepId: stageOf(s.state, s.stage).stepId ?? 'none' } },
  ];
  for (const c of ERROR_CLASSES) out.push({ name: `hook FAILED ${c}`, event: hookResult(s.state, 'FAILED', c) });
  for (const type of CONTROL_TYPES) {
    if (type === 'skip-stage') for (const st of STAGES) out.push({ name: `skip ${st}`, event: control({ type, stage: st }) });
    else if (type === 'release-control') for (const c of RELEASE_CONTROLS) out.push({ name: `release ${c}`, event: control({ type, control: c, commandId: `cmd-${c}` }) });
    else out.push({ name: type, event: control({ type }) });
  }
  return out;
}

/** The oracle: a run with a hook in flight is running, its stage is running. */
function expectedKind(s: Situation, name: string, event: RunEventInput): TransitionResult['kind'] {
  switch (event.type) {
    case 'hook-result':
      return name === 'late hook result' ? 'ignored' : 'applied';
    case 'step-result':
    case 'deadline-passed':
    case 'retry-due':
    case 'start':
      return 'ignored'; // the step is not sent yet (before) or already answered (after)
    case 'control': {
      const c = event.control;
      switch (c.type) {
        case 'retry-stage':
        case 'restart':
        case 'approve':
          return 'refused';
        case 'skip-stage':
          return stageOf(s.state, c.stage).status === 'pending' ? 'applied' : 'refused';
        case 'abort':
          return 'applied';
        case 'pause':
          return s.state.paused ? 'refused' : 'applied';
        case 'resume':
          return s.state.paused ? 'applied' : 'refused';
        case 'release-control':
          return 'refused'; // the release step is not with release-service while its hooks run
        default:
          return c satisfies never;
      }
    }
    default:
      return event satisfies never;
  }
}

describe('run machine with stage hooks: every hook situation × every event', () => {
  const all = situations();
  const table = all.flatMap((s) => events(s).map((e) => ({ situation: s, ...e })));

  it('covers every stage, hook phase, hook outcome and control', () => {
    expect(all.length).toBe(STAGES.length * 3 * 2);
    expect(table.length).toBe(all.length * (5 + ERROR_CLASSES.length + CONTROL_TYPES.length - 2 + STAGES.length + RELEASE_CONTROLS.length));
  });

  it.each(table.map((t) => [t.situation.name, t.name, t] as const))('%s + %s', (_s, name, { situation: s, event }) => {
    const before = JSON.stringify(s.state);
    const out = transition(s.state, event);
    expect(JSON.stringify(s.state)).toBe(before);
    expect(out.kind).toBe(expectedKind(s, name, event));
    expect(transition(s.state, event)).toEqual(out);
    if (out.kind !== 'applied') return;
    const index = STAGES.indexOf(s.stage);
    const stage = out.state.stages[index]!;
    const stepId = stepIdFor(RUN, s.stage, 1);
    // Invariants: at most one hook runs, and never alongside a step sent for the same stage by this event.
    expect(out.state.stages.filter((x) => x.hook).length).toBeLessThanOrEqual(1);
    if (isFinished(out.state.status)) expect(out.state.stages.filter((x) => x.hook)).toEqual([]);

    if (event.type === 'hook-result' && event.outcome === 'SUCCEEDED') {
      const next = s.phase === 'before' && s.index === 0 ? ['before', 1] : null;
      if (next) {
        expect(hooksRun(out.effects)).toEqual([{ kind: 'run-hook', hookId: hookIdFor(stepId, 'before', 1), stepId, stage: s.stage, attempt: 1, phase: 'before', index: 1 }]);
        expect(dispatches(out.effects)).toEqual([]);
      } else if (s.phase === 'before') {
        // The last before hook: the step leaves now, unless the run is paused (then the stage waits, and its hooks run again on resume).
        if (s.state.paused) {
          expect(stage).toMatchObject({ status: 'pending', hook: null });
          expect(dispatches(out.effects)).toEqual([]);
        } else {
          expect(stage).toMatchObject({ status: 'running', hook: null, stepId });
          expect(dispatches(out.effects).map((d) => d.stepId)).toEqual([stepId]);
        }
      } else {
        expect(stage).toMatchObject({ status: 'succeeded', hook: null, lastMessage: 'step SUCCEEDED' });
        const nextStage = STAGES[index + 1];
        if (nextStage === undefined) expect(out.state.status).toBe('succeeded');
        else if (s.state.paused) expect(hooksRun(out.effects)).toEqual([]);
        else expect(hooksRun(out.effects).map((h) => h.hookId)).toEqual([hookIdFor(stepIdFor(RUN, nextStage, 1), 'before', 0)]);
      }
    }
    if (event.type === 'hook-result' && event.outcome === 'FAILED') {
      // A failed hook fails the stage like a failed step: retried when its class and the policy say so, else the run fails.
      const errorClass = event.errorClass!;
      expect(dispatches(out.effects).filter((d) => d.stage === s.stage)).toEqual([]);
      expect(stage.hook ?? null).toBeNull();
      if (errorClass === 'NOT_APPLICABLE') expect(out.state.status).toBe('not-applicable');
      else if (retryDecision(HOOKED.stages[index]!.retry, errorClass, 1, null).retry) expect(stage.status).toBe('waiting-retry');
      else {
        expect(stage).toMatchObject({ status: 'failed', lastErrorClass: errorClass });
        expect(stage.lastMessage).toBe(`${s.phase} hook ${s.index + 1} failed: hook said no`);
        expect(out.state.status).toBe('failed');
      }
    }
    if (event.type === 'control' && event.control.type === 'abort') {
      expect(out.state.status).toBe('aborted');
      expect(out.effects).toContainEqual({ kind: 'cancel-hooks' });
      expect(stage.hook ?? null).toBeNull();
    }
  });
});

describe('run machine with stage hooks: scenarios', () => {
  it('runs before hooks, then the step, then after hooks, then the next stage; hook ids follow the attempt', () => {
    let state = initialRunState(RUN, HOOKED);
    let out = applied(transition(state, { type: 'start' }));
    expect(hooksRun(out.effects).map((h) => h.hookId)).toEqual([`${RUN}:change:1:before:0`]);
    expect(dispatches(out.effects)).toEqual([]);
    state = apply(out.state, hookResult(out.state, 'SUCCEEDED'));
    out = applied(transition(state, hookResult(state, 'SUCCEEDED')));
    expect(dispatches(out.effects).map((d) => d.stepId)).toEqual([`${RUN}:change:1`]);
    out = applied(transition(out.state, stepResult(out.state, 'change', 'SUCCEEDED')));
    expect(hooksRun(out.effects).map((h) => h.hookId)).toEqual([`${RUN}:change:1:after:0`]);
    expect(stageOf(out.state, 'change').status).toBe('running');
    out = applied(transition(out.state, hookResult(out.state, 'SUCCEEDED')));
    expect(stageOf(out.state, 'change').status).toBe('succeeded');
    expect(hooksRun(out.effects).map((h) => h.hookId)).toEqual([`${RUN}:test-deploy:1:before:0`]);
  });

  it('retries the stage after a hook TIMEOUT: the next attempt runs its before hooks again under new ids', () => {
    const state = atHook('change', 'before', 1);
    const failed = applied(transition(state, hookResult(state, 'FAILED', 'TIMEOUT')));
    expect(stageOf(failed.state, 'change').status).toBe('waiting-retry');
    const due = applied(transition(failed.state, { type: 'retry-due', stage: 'change', attempt: 2 }));
    expect(hooksRun(due.effects).map((h) => h.hookId)).toEqual([`${RUN}:change:2:before:0`]);
  });

  it('ignores a duplicate hook result and a result of the step while its after hooks run', () => {
    const state = atHook('review', 'after', 0);
    const done = apply(state, hookResult(state, 'SUCCEEDED'));
    expect(transition(done, hookResult(state, 'SUCCEEDED')).kind).toBe('ignored');
    expect(transition(state, stepResult(state, 'review', 'SUCCEEDED')).kind).toBe('ignored');
  });

  it('a paused run runs the before hooks again when resumed, right before its step', () => {
    const state = apply(atHook('merge', 'before', 1), control({ type: 'pause' }));
    const held = apply(state, hookResult(state, 'SUCCEEDED'));
    expect(stageOf(held, 'merge')).toMatchObject({ status: 'pending', attempt: 1 });
    const resumed = applied(transition(held, control({ type: 'resume' })));
    expect(hooksRun(resumed.effects).map((h) => h.hookId)).toEqual([`${RUN}:merge:2:before:0`]);
  });
});
