import type { Phase } from '../classification';

/** Phase timeouts for the integration tests: generous for Maven on a busy 2-core machine, short where a test waits for them. */
export const TEST_PHASE_TIMEOUTS: Record<Phase, number> = {
  clone: 30_000,
  build: 120_000,
  start: 30_000,
  health: 20_000,
  test: 120_000,
  smoke: 5_000,
};
