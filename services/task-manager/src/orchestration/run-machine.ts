import { TEST_VERIFY_DETAILS, isErrorClass, type ErrorClass, type Resource, type StageName } from '@shipshape/contracts';
import { RESOURCE_NEEDED_BY, hookIdFor, isPipelineStage, isReleaseStage, releaseStageFor, retryDecision, stepIdFor, type HookPhase, type PipelineStage, type ReleaseStage } from './pipeline';
import {
  FINISHED_RUN_STATUSES,
  type ControlEvent,
  type Effect,
  type HookResultEvent,
  type LedgerEntry,
  type RunDefinition,
  type RunEventInput,
  type RunState,
  type RunStatus,
  type StageState,
  type StepResultEvent,
  type TestResults,
  type TransitionResult,
} from './run-state';

/** Deadline of a release step (branch-release, env-release). */
export const RELEASE_STEP_TIMEOUT_MS = 10 * 60_000;

export function initialRunState(runId: string, definition: RunDefinition): RunState {
  return {
    runId,
    status: 'pending',
    paused: false,
    definition,
    stages: definition.stages.map((s) => ({ name: s.name, status: 'pending', attempt: 0, stepId: null, lastErrorClass: null, lastMessage: null })),
    ledger: [],
    releaseSeq: { 'branch-release': 0, 'env-release': 0 },
    manualActions: 0,
    retries: 0,
    mergedCommit: null,
  };
}

export function isFinished(status: RunStatus): boolean {
  return (FINISHED_RUN_STATUSES as readonly RunStatus[]).includes(status);
}

function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}

/** A mutable working copy while one event is applied. */
interface Draft {
  state: RunState;
  effects: Effect[];
}

function setStage(d: Draft, index: number, patch: Partial<StageState>): void {
  d.state = { ...d.state, stages: d.state.stages.map((s, i) => (i === index ? { ...s, ...patch } : s)) };
}

function stageEvent(d: Draft, transition: 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'RETRIED' | 'SKIPPED' | 'ABORTED' | 'PROGRESS', stage: StageState, extra: { errorClass?: ErrorClass | null; message?: string | null } = {}): void {
  d.effects.push({
    kind: 'run-event',
    scope: 'STAGE',
    transition,
    stage: stage.name,
    attempt: stage.attempt === 0 ? null : stage.attempt,
    stepId: stage.stepId,
    errorClass: extra.errorClass ?? null,
    message: extra.message ?? null,
  });
}

function runEvent(d: Draft, transition: 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'RETRIED' | 'SKIPPED' | 'ABORTED' | 'PROGRESS', extra: { errorClass?: ErrorClass | null; message?: string | null } = {}): void {
  d.effects.push({ kind: 'run-event', scope: 'RUN', transition, stage: null, attempt: null, stepId: null, errorClass: extra.errorClass ?? null, message: extra.message ?? null });
}

function heldResources(state: RunState): Resource[] {
  return state.ledger.filter((e) => e.status === 'held').map(({ kind, id, attributes }) => ({ kind, id, attributes }));
}

function hookCount(state: RunState, index: number, phase: HookPhase): number {
  return state.definition.stages[index]?.hooks?.[phase] ?? 0;
}

/** Starts hook `hookIndex` of `phase` around the stage's current attempt. */
function runHook(d: Draft, index: number, phase: HookPhase, hookIndex: number, stepMessage: string | null): void {
  const stage = d.state.stages[index] as StageState;
  const stepId = stage.stepId as string;
  const hookId = hookIdFor(stepId, phase, hookIndex);
  setStage(d, index, { hook: { phase, index: hookIndex, hookId, stepMessage } });
  d.effects.push({ kind: 'run-hook', hookId, stepId, stage: stage.name, attempt: stage.attempt, phase, index: hookIndex });
}

/** Sends the running stage's step (its attempt and step id are set). */
function sendStep(d: Draft, index: number): void {
  const stage = d.state.stages[index] as StageState;
  d.effects.push({
    kind: 'dispatch',
    stepId: stage.stepId as string,
    stage: stage.name,
    attempt: stage.attempt,
    timeoutMs: d.state.definition.stages[index]?.timeoutMs ?? 0,
    resources: heldResources(d.state),
    rebase: stage.lastErrorClass === 'MERGE_CONFLICT',
  });
}

/** Starts the next attempt of a stage: its before hooks first, when it has any, else its step. */
function dispatchStage(d: Draft, index: number): void {
  const stage = d.state.stages[index] as StageState;
  const attempt = stage.attempt + 1;
  setStage(d, index, { status: 'running', attempt, stepId: stepIdFor(d.state.runId, stage.name, attempt), hook: null });
  if (hookCount(d.state, index, 'before') > 0) runHook(d, index, 'before', 0, null);
  else sendStep(d, index);
  stageEvent(d, 'STARTED', d.state.stages[index] as StageState);
}

/** Kinds still needed by a stage that has not finished yet; everything else may go. */
function stillNeeded(state: RunState, kind: string): boolean {
  if (isFinished(state.status)) return false;
  const remaining = state.stages.filter((s) => s.status !== 'succeeded' && s.status !== 'skipped').map((s) => s.name);
  const needers = RESOURCE_NEEDED_BY[kind];
  if (needers === undefined) return true;
  return remaining.some((name) => needers.includes(name));
}

/** Releases held resources that no remaining stage needs, one release step per release stage. */
function releaseUnneeded(d: Draft): void {
  const groups = new Map<ReleaseStage, LedgerEntry[]>();
  for (const entry of d.state.ledger) {
    if (entry.status !== 'held' || stillNeeded(d.state, entry.kind)) continue;
    const releaseStage = releaseStageFor(entry.kind);
    if (releaseStage === null) continue;
    groups.set(releaseStage, [...(groups.get(releaseStage) ?? []), entry]);
  }
  for (const [releaseStage, entries] of groups) {
    const attempt = d.state.releaseSeq[releaseStage] + 1;
    const stepId = stepIdFor(d.state.runId, releaseStage, attempt);
    d.state = {
      ...d.state,
      releaseSeq: { ...d.state.releaseSeq, [releaseStage]: attempt },
      ledger: d.state.ledger.map((e) => (entries.includes(e) ? { ...e, status: 'releasing', releaseStepId: stepId } : e)),
    };
    d.effects.push({
      kind: 'dispatch',
      stepId,
      stage: releaseStage,
      attempt,
      timeoutMs: RELEASE_STEP_TIMEOUT_MS,
      resources: entries.map(({ kind, id, attributes }) => ({ kind, id, attributes })),
      rebase: false,
    });
  }
}

function applyLedger(d: Draft, acquiredBy: StageName, acquired: readonly Resource[], released: readonly Resource[]): void {
  let ledger = [...d.state.ledger];
  for (const r of acquired) {
    const existing = ledger.findIndex((e) => e.kind === r.kind && e.id === r.id);
    const entry: LedgerEntry = { kind: r.kind, id: r.id, attributes: r.attributes, acquiredBy, status: 'held', releaseStepId: null };
    if (existing === -1) ledger.push(entry);
    else ledger[existing] = entry;
  }
  for (const r of released) {
    ledger = ledger.map((e) => (e.kind === r.kind && e.id === r.id ? { ...e, status: 'released' } : e));
  }
  d.state = { ...d.state, ledger };
}

function finish(d: Draft, status: 'succeeded' | 'failed' | 'aborted' | 'not-applicable', detail: { errorClass?: ErrorClass | null; message?: string | null } = {}): void {
  d.state = { ...d.state, status };
  switch (status) {
    case 'succeeded':
      runEvent(d, 'SUCCEEDED');
      d.effects.push({ kind: 'notify', severity: 'INFO', title: 'Run succeeded', body: 'The upgrade went through every stage.' });
      break;
    case 'failed':
      runEvent(d, 'FAILED', detail);
      d.effects.push({ kind: 'notify', severity: 'ERROR', title: 'Run failed', body: detail.message ?? `A stage failed (${detail.errorClass ?? 'INTERNAL'}).` });
      break;
    case 'aborted':
      runEvent(d, 'ABORTED', detail);
      d.effects.push({ kind: 'notify', severity: 'WARNING', title: 'Run aborted', body: detail.message ?? 'The run was aborted.' });
      break;
    case 'not-applicable':
      runEvent(d, 'SKIPPED', { errorClass: 'NOT_APPLICABLE', message: detail.message ?? 'the application does not use the component' });
      break;
    default:
      assertNever(status);
  }
  releaseUnneeded(d);
  const kept = d.state.ledger.filter((e) => e.status === 'held');
  if (kept.length > 0) {
    d.effects.push({
      kind: 'notify',
      severity: 'WARNING',
      title: 'Resources left held',
      body: `No release step exists for: ${kept.map((e) => `${e.kind} ${e.id}`).join(', ')}`,
    });
  }
}

/** Moves the run on: dispatches the next pending stage, or finishes it when every stage is done. */
function advance(d: Draft): void {
  if (d.state.status !== 'running') return;
  const index = d.state.stages.findIndex((s) => s.status !== 'succeeded' && s.status !== 'skipped');
  if (index === -1) {
    finish(d, 'succeeded');
    return;
  }
  const stage = d.state.stages[index] as StageState;
  if (stage.status === 'pending' && !d.state.paused) dispatchStage(d, index);
  releaseUnneeded(d);
}

/**
 * Where a resumed run (retry or skip after a failure) starts again: at `index`, or earlier when a
 * resource that stage or a later one needs was released when the run failed; the stage that acquired
 * it runs again (services find what they made before by its stable id).
 */
function resumeIndex(state: RunState, index: number): number {
  const later = state.stages.slice(index).map((s) => s.name);
  let from = index;
  for (const entry of state.ledger) {
    if (entry.status === 'held') continue;
    const needers = RESOURCE_NEEDED_BY[entry.kind] ?? [];
    if (!later.some((name) => needers.includes(name))) continue;
    const acquiredAt = state.stages.findIndex((s) => s.name === entry.acquiredBy);
    if (acquiredAt !== -1 && acquiredAt < from) from = acquiredAt;
  }
  return from;
}

function resumeFrom(d: Draft, index: number): void {
  const from = resumeIndex(d.state, index);
  d.state = {
    ...d.state,
    status: 'running',
    stages: d.state.stages.map((s, i) => (i >= from && s.status !== 'skipped' ? { ...s, status: 'pending' } : s)),
  };
  advance(d);
}

function onStepResult(state: RunState, event: StepResultEvent): TransitionResult {
  const d: Draft = { state, effects: [] };
  if (isReleaseStage(event.stage)) {
    const entries = state.ledger.filter((e) => e.releaseStepId === event.stepId && e.status === 'releasing');
    if (entries.length === 0) return { kind: 'ignored', reason: 'no resource is being released by this step (duplicate or unknown)' };
    switch (event.outcome) {
      case 'PROGRESS':
        return { kind: 'ignored', reason: 'progress of a release step' };
      case 'SUCCEEDED':
        d.state = { ...state, ledger: state.ledger.map((e) => (entries.includes(e) ? { ...e, status: 'released' } : e)) };
        break;
      case 'FAILED':
        d.state = { ...state, ledger: state.ledger.map((e) => (entries.includes(e) ? { ...e, status: 'release-failed' } : e)) };
        d.effects.push({
          kind: 'notify',
          severity: 'WARNING',
          title: 'Resource release failed',
          body: `${event.stage} failed (${event.errorClass ?? 'INTERNAL'}) for: ${entries.map((e) => `${e.kind} ${e.id}`).join(', ')}`,
        });
        break;
      default:
        return assertNever(event.outcome);
    }
    return { kind: 'applied', state: d.state, effects: d.effects };
  }

  const index = state.stages.findIndex((s) => s.name === event.stage);
  const stage = state.stages[index];
  // While the stage's hooks run its step is either not sent yet (before) or already answered (after).
  if (stage === undefined || stage.stepId !== event.stepId || stage.status !== 'running' || isFinished(state.status) || (stage.hook ?? null) !== null) {
    // Late or duplicate: the outcome no longer counts, but anything it acquired must not leak.
    const leaked = event.outcome === 'PROGRESS' ? [] : event.acquired.filter((r) => !state.ledger.some((e) => e.kind === r.kind && e.id === r.id));
    const reason = stage === undefined ? `stage ${event.stage} is not in this run's pipeline` : `step ${event.stepId} is not the running step (late or duplicate result)`;
    if (leaked.length === 0 || !isFinished(state.status) || !isPipelineStage(event.stage)) return { kind: 'ignored', reason };
    applyLedger(d, event.stage, leaked, []);
    releaseUnneeded(d);
    return { kind: 'applied', state: d.state, effects: d.effects };
  }

  switch (event.outcome) {
    case 'PROGRESS':
      stageEvent(d, 'PROGRESS', stage, { message: event.message });
      return { kind: 'applied', state: d.state, effects: d.effects };
    case 'SUCCEEDED': {
      applyLedger(d, stage.name, event.acquired, event.released);
      if (stage.name === 'merge') d.state = { ...d.state, mergedCommit: event.details?.['mergedCommit'] ?? null };
      if (stage.name === 'test-verify') d.state = { ...d.state, testResults: testResultsOf(event) };
      if (hookCount(state, index, 'after') > 0) runHook(d, index, 'after', 0, event.message);
      else completeStage(d, index, event.message);
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'FAILED':
      applyLedger(d, stage.name, event.acquired, event.released);
      failStage(d, index, event.errorClass ?? 'INTERNAL', event.message, event.retryAfterMs);
      return { kind: 'applied', state: d.state, effects: d.effects };
    default:
      return assertNever(event.outcome);
  }
}

function testResultsOf(event: StepResultEvent): TestResults {
  const detail = (key: string) => event.details?.[key] ?? null;
  return {
    command: detail(TEST_VERIFY_DETAILS.command),
    passed: detail(TEST_VERIFY_DETAILS.passed),
    failed: detail(TEST_VERIFY_DETAILS.failed),
    skipped: detail(TEST_VERIFY_DETAILS.skipped),
    durationMs: detail(TEST_VERIFY_DETAILS.durationMs),
    environmentId: detail(TEST_VERIFY_DETAILS.environmentId),
    url: event.links?.[0]?.url ?? null,
  };
}

/** The stage's step succeeded and its after hooks (if any) too: the run moves on. */
function completeStage(d: Draft, index: number, message: string | null): void {
  const stage = d.state.stages[index] as StageState;
  const definition = d.state.definition;
  setStage(d, index, { status: 'succeeded', lastErrorClass: null, lastMessage: message, hook: null });
  stageEvent(d, 'SUCCEEDED', d.state.stages[index] as StageState);
  if (definition.dryRun && stage.name === 'test-verify') {
    d.state = { ...d.state, stages: d.state.stages.map((s, i) => (i > index ? { ...s, status: 'skipped' } : s)) };
    finish(d, 'succeeded');
  } else if (stage.name === 'review' && definition.approval === 'manual' && !definition.dryRun) {
    d.state = { ...d.state, status: 'awaiting-approval' };
    d.effects.push({ kind: 'notify', severity: 'INFO', title: 'Approval needed', body: 'The merge request is ready; approve the run to merge it.' });
    releaseUnneeded(d);
  } else {
    advance(d);
  }
}

/**
 * A stage hook finished. Success: the next hook of the phase, else the step (before) or the stage's
 * success (after). A paused run does not send the step: the stage goes back to pending and runs its
 * before hooks again when resumed, right before its step. Failure fails the stage like a failed step
 * with the hook's error class (retried per the stage policy when that class is retryable).
 */
function onHookResult(state: RunState, event: HookResultEvent): TransitionResult {
  const index = state.stages.findIndex((s) => s.hook?.hookId === event.hookId);
  const stage = state.stages[index];
  const hook = stage?.hook;
  if (stage === undefined || !hook || stage.status !== 'running' || isFinished(state.status)) {
    return { kind: 'ignored', reason: `hook ${event.hookId} is not running (late or duplicate result)` };
  }
  const d: Draft = { state, effects: [] };
  if (event.outcome === 'FAILED') {
    setStage(d, index, { hook: null });
    failStage(d, index, event.errorClass ?? 'INTERNAL', `${hook.phase} hook ${hook.index + 1} failed: ${event.message ?? 'no message'}`, null);
    return { kind: 'applied', state: d.state, effects: d.effects };
  }
  if (hook.index + 1 < hookCount(state, index, hook.phase)) {
    runHook(d, index, hook.phase, hook.index + 1, hook.stepMessage);
  } else if (hook.phase === 'after') {
    completeStage(d, index, hook.stepMessage);
  } else if (state.paused) {
    setStage(d, index, { status: 'pending', hook: null });
  } else {
    setStage(d, index, { hook: null });
    sendStep(d, index);
  }
  return { kind: 'applied', state: d.state, effects: d.effects };
}

function failStage(d: Draft, index: number, errorClass: ErrorClass, message: string | null, retryAfterMs: number | null): void {
  const stage = d.state.stages[index] as StageState;
  if (errorClass === 'NOT_APPLICABLE') {
    setStage(d, index, { status: 'skipped', lastErrorClass: errorClass, lastMessage: message });
    stageEvent(d, 'SKIPPED', d.state.stages[index] as StageState, { errorClass, message });
    finish(d, 'not-applicable', { message });
    return;
  }
  const spec = d.state.definition.stages[index];
  const decision = spec ? retryDecision(spec.retry, errorClass, stage.attempt, retryAfterMs) : ({ retry: false, reason: 'no stage spec' } as const);
  if (decision.retry) {
    setStage(d, index, { status: 'waiting-retry', lastErrorClass: errorClass, lastMessage: message });
    d.state = { ...d.state, retries: d.state.retries + 1 };
    stageEvent(d, 'RETRIED', d.state.stages[index] as StageState, { errorClass, message });
    d.effects.push({ kind: 'schedule-retry', stage: stage.name, attempt: stage.attempt + 1, delayMs: decision.delayMs });
    return;
  }
  setStage(d, index, { status: 'failed', lastErrorClass: errorClass, lastMessage: message });
  stageEvent(d, 'FAILED', d.state.stages[index] as StageState, { errorClass, message: message ?? decision.reason });
  finish(d, 'failed', { errorClass, message: `${stage.name} failed: ${message ?? errorClass} (${decision.reason})` });
}

function refuse(control: ControlEvent, reason: string): TransitionResult {
  return { kind: 'refused', control: control.type, reason };
}

function onControl(state: RunState, control: ControlEvent): TransitionResult {
  const d: Draft = { state, effects: [] };
  switch (control.type) {
    case 'retry-stage': {
      const index =
        control.stage === undefined ? state.stages.findIndex((s) => s.status === 'failed' || s.status === 'waiting-retry') : state.stages.findIndex((s) => s.name === control.stage);
      const stage = state.stages[index];
      if (stage === undefined) return refuse(control, control.stage === undefined ? 'no stage has failed' : `stage ${control.stage} is not in this run's pipeline`);
      if (state.status !== 'failed' && isFinished(state.status)) return refuse(control, `run is ${state.status}`);
      switch (stage.status) {
        case 'failed':
          d.state = { ...state, manualActions: state.manualActions + 1 };
          stageEvent(d, 'RETRIED', stage, { message: 'retried by hand' });
          resumeFrom(d, index);
          return { kind: 'applied', state: d.state, effects: d.effects };
        case 'waiting-retry':
          d.state = { ...state, manualActions: state.manualActions + 1 };
          d.effects.push({ kind: 'cancel-retries' });
          setStage(d, index, { status: 'pending' });
          advance(d);
          return { kind: 'applied', state: d.state, effects: d.effects };
        case 'succeeded':
          return refuse(control, `stage ${stage.name} already succeeded`);
        case 'running':
          return refuse(control, `stage ${stage.name} is running`);
        case 'pending':
          return refuse(control, `stage ${stage.name} has not failed`);
        case 'skipped':
          return refuse(control, `stage ${stage.name} was skipped`);
        default:
          return assertNever(stage.status);
      }
    }
    case 'skip-stage': {
      const index = state.stages.findIndex((s) => s.name === control.stage);
      const stage = state.stages[index];
      if (stage === undefined) return refuse(control, `stage ${control.stage} is not in this run's pipeline`);
      if (state.status !== 'failed' && isFinished(state.status)) return refuse(control, `run is ${state.status}`);
      switch (stage.status) {
        case 'succeeded':
          return refuse(control, `stage ${stage.name} already succeeded`);
        case 'skipped':
          return refuse(control, `stage ${stage.name} is already skipped`);
        case 'running':
          return refuse(control, `stage ${stage.name} is running; wait for its result or abort the run`);
        case 'pending':
        case 'waiting-retry':
        case 'failed': {
          d.state = { ...state, manualActions: state.manualActions + 1 };
          if (stage.status === 'waiting-retry') d.effects.push({ kind: 'cancel-retries' });
          setStage(d, index, { status: 'skipped' });
          stageEvent(d, 'SKIPPED', d.state.stages[index] as StageState, { message: 'skipped by hand' });
          if (stage.status === 'failed') {
            const next = d.state.stages.findIndex((s, i) => i > index && s.status !== 'skipped');
            if (next === -1) d.state = { ...d.state, status: 'running' };
            if (next === -1) advance(d);
            else resumeFrom(d, next);
          } else {
            advance(d);
          }
          return { kind: 'applied', state: d.state, effects: d.effects };
        }
        default:
          return assertNever(stage.status);
      }
    }
    case 'abort': {
      if (state.status === 'succeeded' || state.status === 'aborted' || state.status === 'not-applicable') return refuse(control, `run already ${state.status}`);
      d.state = { ...state, manualActions: state.manualActions + 1 };
      for (const [i, s] of state.stages.entries()) {
        if (s.status === 'running' && s.stepId !== null) {
          d.effects.push({ kind: 'abandon-step', stepId: s.stepId });
          if (s.hook) d.effects.push({ kind: 'cancel-hooks' });
          setStage(d, i, { status: 'pending', hook: null });
        } else if (s.status === 'waiting-retry') {
          d.effects.push({ kind: 'cancel-retries' });
          setStage(d, i, { status: 'pending' });
        }
      }
      finish(d, 'aborted', { message: control.reason ?? 'aborted by hand' });
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'restart': {
      switch (state.status) {
        case 'pending':
          return refuse(control, 'run has not started');
        case 'running':
        case 'awaiting-approval':
          return refuse(control, `run is ${state.status}; abort it first`);
        case 'succeeded':
          return refuse(control, 'run already succeeded');
        case 'failed':
        case 'aborted':
        case 'not-applicable':
          d.state = {
            ...state,
            status: 'running',
            manualActions: state.manualActions + 1,
            stages: state.stages.map((s) => ({ ...s, status: 'pending', lastErrorClass: null, lastMessage: null })),
            mergedCommit: null,
            testResults: null,
          };
          runEvent(d, 'STARTED', { message: 'restarted from the first stage' });
          advance(d);
          return { kind: 'applied', state: d.state, effects: d.effects };
        default:
          return assertNever(state.status);
      }
    }
    case 'approve': {
      if (state.status !== 'awaiting-approval') return refuse(control, `run is ${state.status}, not awaiting approval`);
      // The approval the task's policy asks for is the review, not an intervention: it does not cost one-shot.
      d.state = { ...state, status: 'running' };
      runEvent(d, 'PROGRESS', { message: `approved${control.by ? ` by ${control.by}` : ''}` });
      advance(d);
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'pause': {
      if (isFinished(state.status)) return refuse(control, `run is ${state.status}`);
      if (state.paused) return refuse(control, 'run is already paused');
      d.state = { ...state, paused: true, manualActions: state.manualActions + 1 };
      runEvent(d, 'PROGRESS', { message: 'paused' });
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'resume': {
      if (!state.paused) return refuse(control, 'run is not paused');
      d.state = { ...state, paused: false, manualActions: state.manualActions + 1 };
      runEvent(d, 'PROGRESS', { message: 'resumed' });
      advance(d);
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'release-control': {
      // Only when the release step is with release-service: not before its before hooks are done, not after it answered.
      const release = state.stages.find((s) => s.name === 'release');
      if (release === undefined) return refuse(control, "no release in progress: stage release is not in this run's pipeline");
      if (isFinished(state.status)) return refuse(control, `no release in progress (run ${state.status})`);
      if (release.status !== 'running' || release.stepId === null) return refuse(control, `no release in progress (run ${state.status}, stage release ${release.status})`);
      if (release.hook) return refuse(control, `no release in progress: the release step waits for its ${release.hook.phase} hook ${release.hook.index + 1}`);
      d.state = { ...state, manualActions: state.manualActions + 1 };
      stageEvent(d, 'PROGRESS', release, { message: `release ${control.control} sent to release-service by hand (command ${control.commandId})` });
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    default:
      return assertNever(control);
  }
}

/**
 * The run state machine: pure and deterministic. Given a run's state and one event it returns the
 * new state and the effects to perform (dispatch steps, schedule retries, publish events, notify),
 * an `ignored` outcome (late, duplicate or irrelevant events) or a typed refusal of a control.
 */
export function transition(state: RunState, event: RunEventInput): TransitionResult {
  switch (event.type) {
    case 'start': {
      if (state.status !== 'pending') return { kind: 'ignored', reason: `run already ${state.status}` };
      const d: Draft = { state: { ...state, status: 'running' }, effects: [] };
      runEvent(d, 'STARTED');
      advance(d);
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'step-result':
      return onStepResult(state, event);
    case 'hook-result':
      return onHookResult(state, event);
    case 'deadline-passed': {
      const index = state.stages.findIndex((s) => s.stepId === event.stepId && s.status === 'running' && !s.hook);
      if (index === -1 || isFinished(state.status)) return { kind: 'ignored', reason: `step ${event.stepId} is not running` };
      const d: Draft = { state, effects: [{ kind: 'abandon-step', stepId: event.stepId }] };
      failStage(d, index, 'TIMEOUT', 'deadline passed', null);
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'retry-due': {
      const index = state.stages.findIndex((s) => s.name === event.stage);
      const stage = state.stages[index];
      if (stage === undefined || stage.status !== 'waiting-retry' || stage.attempt + 1 !== event.attempt || state.status !== 'running') {
        return { kind: 'ignored', reason: `no retry of ${event.stage} attempt ${event.attempt} is due` };
      }
      const d: Draft = { state, effects: [] };
      setStage(d, index, { status: 'pending' });
      advance(d);
      return { kind: 'applied', state: d.state, effects: d.effects };
    }
    case 'control':
      return onControl(state, event.control);
    default:
      return assertNever(event);
  }
}

/** Parses a StepResult's error class name (unknown names count as INTERNAL, as the Avro reader does). */
export function toErrorClass(value: string | null | undefined): ErrorClass | null {
  if (value === null || value === undefined) return null;
  return isErrorClass(value) ? value : 'INTERNAL';
}

export type { PipelineStage };
