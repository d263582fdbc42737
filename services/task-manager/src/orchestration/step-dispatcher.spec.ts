import type { StepCommand } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { admit, type InFlight, type QueuedStep, type ThrottleLimits } from './step-dispatcher';

const NO_LIMITS: ThrottleLimits = { perStage: {}, ratePerHour: {} };

function empty(): InFlight {
  return { total: 0, byTeam: new Map(), byStage: new Map(), byTaskStage: new Map(), byTask: new Map(), hourByStage: new Map() };
}

function step(id: string, task: string, team: string, stage = 'test-deploy', extra: Partial<QueuedStep> = {}): QueuedStep {
  return { step_id: id, task_id: task, stage, team, timeout_ms: '1000', stage_limit: null, task_limit: null, command: {} as StepCommand, ...extra };
}

describe('admit', () => {
  it('keeps every limit: global, per team, per stage, per task stage, per task and rate', () => {
    const queue = Array.from({ length: 10 }, (_, i) => step(`s${i}`, 'A', `t${i % 2}`));
    expect(admit(queue, { ...NO_LIMITS, global: 4 }, empty())).toHaveLength(4);
    expect(admit(queue, { ...NO_LIMITS, perTeam: 2 }, empty())).toHaveLength(4);
    expect(admit(queue, { ...NO_LIMITS, perStage: { 'test-deploy': 3 } }, empty())).toHaveLength(3);
    expect(admit(queue, { ...NO_LIMITS, perStage: { review: 1 } }, empty())).toHaveLength(10);
    expect(admit(queue.map((s) => ({ ...s, stage_limit: 2 })), NO_LIMITS, empty())).toHaveLength(2);
    expect(admit(queue.map((s) => ({ ...s, task_limit: 5 })), NO_LIMITS, empty())).toHaveLength(5);
    expect(admit(queue, { ...NO_LIMITS, ratePerHour: { 'test-deploy': 6 } }, empty())).toHaveLength(6);
  });

  it('counts what is already in flight', () => {
    const inFlight = empty();
    inFlight.byStage.set('test-deploy', 2);
    inFlight.total = 2;
    expect(admit([step('a', 'A', 't'), step('b', 'A', 't')], { ...NO_LIMITS, perStage: { 'test-deploy': 3 } }, inFlight).map((s) => s.step_id)).toEqual(['a']);
  });

  it('serves the task with the fewest steps in flight first, then the team, then the oldest', () => {
    const inFlight = empty();
    inFlight.byTask.set('A', 3);
    const queue = [step('a1', 'A', 't0'), step('a2', 'A', 't1'), step('a3', 'A', 't0'), step('b1', 'B', 't2'), step('b2', 'B', 't2'), step('b3', 'B', 't3')];
    expect(admit(queue, NO_LIMITS, inFlight).map((s) => s.step_id)).toEqual(['b1', 'b3', 'b2', 'a1', 'a2', 'a3']);
  });
});
