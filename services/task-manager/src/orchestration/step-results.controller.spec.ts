import { EVENT_SAMPLES, type StepResult } from '@shipshape/contracts';
import { describe, expect, it } from 'vitest';
import { eventOf } from './step-results.controller';

const base: StepResult = { ...EVENT_SAMPLES.StepResult, stage: 'release', service: 'release-service', errorClass: null, message: 'release aborted by hand; rolled back', details: {} } as StepResult;

describe('eventOf: what a step result means to the run state machine', () => {
  it('turns an ABORTED step into an abort of the run (not a failure with a root cause)', () => {
    expect(eventOf({ ...base, outcome: 'ABORTED' })).toEqual({ type: 'control', control: { type: 'abort', reason: 'release aborted in release-service: release aborted by hand; rolled back' } });
  });

  it('still reads the pre-v3 form of an aborted release (FAILED INVALID_INPUT, details.reason aborted) as an abort', () => {
    expect(eventOf({ ...base, outcome: 'FAILED', errorClass: 'INVALID_INPUT', details: { reason: 'aborted' } })).toMatchObject({ type: 'control', control: { type: 'abort' } });
  });

  it('keeps a real failure a failure, and passes the details on (the merge stage\'s mergedCommit)', () => {
    expect(eventOf({ ...base, outcome: 'FAILED', errorClass: 'INVALID_INPUT', details: { field: 'x' } })).toMatchObject({ type: 'step-result', outcome: 'FAILED', errorClass: 'INVALID_INPUT' });
    expect(eventOf({ ...base, stage: 'merge', outcome: 'SUCCEEDED', details: { mergedCommit: 'abc' } })).toMatchObject({ type: 'step-result', outcome: 'SUCCEEDED', details: { mergedCommit: 'abc' } });
  });
});
