import { describe, expect, it } from 'vitest';
import { STEP_SERVICES } from './services';
import { STAGES, STAGE_SERVICE, isStageName } from './stages';
import { stepCommandsTopic } from './topics';

describe('stages', () => {
  it('starts with the default component pipeline of ARCHITECTURE.md', () => {
    expect(STAGES.slice(0, 7)).toEqual(['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect']);
  });

  it('routes every stage to a step service, and every step service serves a stage', () => {
    expect(Object.keys(STAGE_SERVICE).sort()).toEqual([...STAGES].sort());
    expect(new Set(Object.values(STAGE_SERVICE))).toEqual(new Set(STEP_SERVICES));
    expect(stepCommandsTopic(STAGE_SERVICE['test-verify'])).toBe('shipshape.step.commands.test-env-service');
  });

  it('recognises stage names', () => {
    expect(isStageName('env-release')).toBe(true);
    expect(isStageName('deploy')).toBe(false);
  });
});
