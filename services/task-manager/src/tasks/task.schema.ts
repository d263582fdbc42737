import { ERROR_CLASSES } from '@shipshape/contracts';
import { parseVersionRange } from '@shipshape/manifests';
import { z } from 'zod';
import { hookListSchema } from '../hooks/hook.schema';
import { APPROVAL_POLICIES, DEFAULT_RETRY_POLICY, PIPELINE_STAGES, TASK_KINDS, defaultPipeline, defaultStageSpec, type StageSpec, type TaskKind } from '../orchestration/pipeline';

/** `java-agent` is the inventory's name (libs/manifests, detection-service); `javaagent` is accepted as its alias. */
export const ECOSYSTEMS = ['maven', 'gradle', 'npm', 'docker', 'jdk', 'java-agent', 'javaagent'] as const;

/** The ecosystem as the services name it (StepCommand.componentChange.ecosystem). */
export function canonicalEcosystem(ecosystem: (typeof ECOSYSTEMS)[number]): string {
  return ecosystem === 'javaagent' ? 'java-agent' : ecosystem;
}

const text = z.string({ error: 'is required and must be a string' }).trim().min(1, 'must not be empty');
const names = z.array(text, { error: 'must be a list of strings' }).default([]);

const retrySchema = z.strictObject({
  initialIntervalMs: z.number().int().min(0).default(DEFAULT_RETRY_POLICY.initialIntervalMs),
  coefficient: z.number().min(1, 'must be at least 1').default(DEFAULT_RETRY_POLICY.coefficient),
  maxIntervalMs: z.number().int().min(0).default(DEFAULT_RETRY_POLICY.maxIntervalMs),
  maxAttempts: z.number().int().min(1, 'must be at least 1').default(DEFAULT_RETRY_POLICY.maxAttempts),
  nonRetryable: z.array(z.enum(ERROR_CLASSES, { error: `must be error classes: ${ERROR_CLASSES.join(', ')}` })).default([]),
});

const stageSchema = z.strictObject({
  name: z.enum(PIPELINE_STAGES, { error: `must be one of ${PIPELINE_STAGES.join(', ')}` }),
  timeoutMs: z.number().int().min(1, 'must be at least 1').optional(),
  retry: retrySchema.optional(),
  concurrency: z.number().int().min(1, 'must be at least 1').nullish(),
  /** Hooks run before the stage's step is sent; one failing fails the stage without sending it. */
  before: hookListSchema,
  /** Hooks run after the stage's step succeeded; one failing fails the stage too. */
  after: hookListSchema,
});

/** A task as POST /api/tasks takes it. */
export const taskSchema = z
  .strictObject({
    name: text.optional(),
    kind: z.enum(TASK_KINDS, { error: `must be one of ${TASK_KINDS.join(', ')}` }),
    component: z.strictObject({
      ecosystem: z.enum(ECOSYSTEMS, { error: `must be one of ${ECOSYSTEMS.join(', ')}` }),
      coordinates: text,
    }),
    fromRange: text,
    toVersion: text,
    selection: z
      .strictObject({
        teams: names,
        services: names,
        applications: names,
        /** Every application detection-service's inventory says uses the component in `fromRange` (intersected with the others). */
        usingComponent: z.boolean({ error: 'must be true or false' }).default(false),
      })
      .refine((s) => s.usingComponent || s.teams.length + s.services.length + s.applications.length > 0, 'must name at least one team, service or application, or set usingComponent'),
    rules: z.array(z.strictObject({ recipe: text, options: z.record(z.string(), z.unknown()).default({}) })).default([]),
    pluginVersions: z.record(z.string(), text).default({}),
    /** Extra step parameters for every step of the task (StepCommand.parameters.extra), e.g. `release.bakeMs`. */
    parameters: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9._-]*$/, 'keys must be dotted names'), z.string({ error: 'must be a string' })).default({}),
    pipeline: z
      .strictObject({ stages: z.array(stageSchema).min(1, 'must list at least one stage') })
      .refine((p) => new Set(p.stages.map((s) => s.name)).size === p.stages.length, 'must not list a stage twice')
      .optional(),
    throttling: z.strictObject({ maxConcurrentSteps: z.number().int().min(1, 'must be at least 1').optional() }).default({}),
    approval: z.enum(APPROVAL_POLICIES, { error: `must be one of ${APPROVAL_POLICIES.join(', ')}` }).default('manual'),
    dryRun: z
      .strictObject({ count: z.number().int().min(1, 'must be at least 1').optional(), percent: z.number().gt(0, 'must be above 0').max(100, 'must be at most 100').optional() })
      .refine((d) => (d.count === undefined) !== (d.percent === undefined), 'must set exactly one of count and percent')
      .optional(),
    manualCostDays: z.number().min(0, 'must be 0 or more').optional(),
  })
  .superRefine((t, ctx) => {
    if (t.selection.usingComponent && parseVersionRange(t.fromRange) === null) {
      ctx.addIssue({ code: 'custom', path: ['fromRange'], message: 'must be a version range (e.g. >=1.0 <2.0, 1.x, ^1.2, [1.0,2.0)) to select the applications using the component in it' });
    }
  });

export type TaskSpec = z.output<typeof taskSchema>;

/** The stage list a task's runs go through, with every option filled in. */
export function resolvePipeline(spec: Pick<TaskSpec, 'kind' | 'pipeline' | 'dryRun'>): StageSpec[] {
  if (spec.pipeline === undefined) return defaultPipeline(spec.dryRun ? 'dry-run' : (spec.kind satisfies TaskKind));
  return spec.pipeline.stages.map((s) => {
    const base = defaultStageSpec(s.name);
    // `?? []`: specs stored before hooks existed.
    const hooks = { before: (s.before ?? []).length, after: (s.after ?? []).length };
    return { name: s.name, timeoutMs: s.timeoutMs ?? base.timeoutMs, retry: s.retry ?? base.retry, concurrency: s.concurrency ?? null, ...(hooks.before + hooks.after > 0 ? { hooks } : {}) };
  });
}
