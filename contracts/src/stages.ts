import type { StepServiceName } from './services';

/**
 * Stage names as they appear in StepCommand.stage, StepResult.stage and RunEvent.stage: the
 * default pipeline order (ARCHITECTURE.md), then the two release stages that give back a run's
 * branch and test environment.
 */
export const STAGES = ['change', 'test-deploy', 'test-verify', 'review', 'merge', 'release', 'detect', 'branch-release', 'env-release'] as const;
export type StageName = (typeof STAGES)[number];

/** The service whose step commands topic (`shipshape.step.commands.<service>`) serves each stage. */
export const STAGE_SERVICE = {
  change: 'change-service',
  'test-deploy': 'test-env-service',
  'test-verify': 'test-env-service',
  review: 'change-service',
  merge: 'change-service',
  release: 'release-service',
  detect: 'detection-service',
  'branch-release': 'change-service',
  'env-release': 'test-env-service',
} as const satisfies Record<StageName, StepServiceName>;

export function isStageName(value: string): value is StageName {
  return (STAGES as readonly string[]).includes(value);
}
