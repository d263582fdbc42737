import type { Telemetry } from '@shipshape/telemetry';

/** change-service instruments, from the process telemetry (served on /metrics). */
export interface ChangeMetrics {
  readonly stepsCompleted: ReturnType<ReturnType<Telemetry['meter']>['createCounter']>;
  readonly stepDuration: ReturnType<ReturnType<Telemetry['meter']>['createHistogram']>;
}

export function createChangeMetrics(telemetry: Telemetry): ChangeMetrics {
  const meter = telemetry.meter('@shipshape/change-service');
  return {
    stepsCompleted: meter.createCounter('shipshape.change.steps', { description: 'Change-service steps completed, by stage, outcome and error class' }),
    stepDuration: meter.createHistogram('shipshape.change.step.duration', { description: 'Time a change-service step took to execute', unit: 's' }),
  };
}
