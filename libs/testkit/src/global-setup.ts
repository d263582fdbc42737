import { getTestInfra } from './get-test-infra';

/**
 * Vitest globalSetup: resolves the test infrastructure once per run, before any worker starts.
 * Workers inherit the KAFKA_BROKERS/DATABASE_URL it exports, so containers (where used) start once.
 * Wire it with `globalSetup: ['libs/testkit/src/global-setup.ts']` in a vitest project.
 */
export async function setup(): Promise<void> {
  await getTestInfra();
}
