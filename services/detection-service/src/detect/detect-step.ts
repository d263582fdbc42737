import { randomUUID } from 'node:crypto';
import type { StepCommand, StepResultInput } from '@shipshape/contracts';

export const DETECTION_SERVICE_NAME = 'detection-service';

/** A detect step as recorded by the handler (keyed by step id) for the worker. */
export interface DetectStepRow {
  readonly step_id: string;
  readonly run_id: string;
  readonly application: string;
  readonly command: StepCommand;
  readonly status: 'pending' | 'done';
  readonly result: StepResultInput | null;
  readonly created_at: Date;
}

export function stepResultOf(cmd: StepCommand, startedAt: Date, result: Pick<StepResultInput, 'outcome' | 'errorClass' | 'message' | 'details'>): StepResultInput {
  return {
    eventId: randomUUID(),
    stepId: cmd.stepId,
    runId: cmd.runId,
    taskId: cmd.taskId,
    stage: cmd.stage,
    attempt: cmd.attempt,
    service: DETECTION_SERVICE_NAME,
    occurredAt: Date.now(),
    ...result,
    usage: { durationMs: Math.max(0, Date.now() - startedAt.getTime()), cpuMillis: null, peakMemoryBytes: null, metrics: {} },
  };
}
