/** The five Shipshape services, their REST ports and databases. Stack scripts, docker-compose and tests read this. */
export const SERVICES = [
  { name: 'task-manager', port: 3000, database: 'shipshape_task_manager' },
  { name: 'change-service', port: 3001, database: 'shipshape_change_service' },
  { name: 'test-env-service', port: 3002, database: 'shipshape_test_env_service' },
  { name: 'release-service', port: 3003, database: 'shipshape_release_service' },
  { name: 'detection-service', port: 3004, database: 'shipshape_detection_service' },
] as const;

export type ServiceName = (typeof SERVICES)[number]['name'];

/** The services that execute stage steps (task-manager dispatches them). */
export const STEP_SERVICES = ['change-service', 'test-env-service', 'release-service', 'detection-service'] as const satisfies readonly ServiceName[];
export type StepServiceName = (typeof STEP_SERVICES)[number];

export function serviceByName(name: string): (typeof SERVICES)[number] {
  const found = SERVICES.find((s) => s.name === name);
  if (!found) throw new Error(`unknown service "${name}"; expected one of ${SERVICES.map((s) => s.name).join(', ')}`);
  return found;
}
