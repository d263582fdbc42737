import { STEP_SERVICES, type StepServiceName } from './services';

export const TOPICS = {
  stepResults: 'shipshape.step.results',
  runEvents: 'shipshape.run.events',
  notifications: 'shipshape.notifications',
  inventory: 'shipshape.inventory',
  runtimeInstances: 'shipshape.runtime.instances',
  applications: 'shipshape.applications',
} as const;

export function stepCommandsTopic(service: StepServiceName): string {
  return `shipshape.step.commands.${service}`;
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** Retention in ms for delete topics; -1 keeps forever. */
  readonly retentionMs: number;
  readonly description: string;
}

const DAY = 24 * 60 * 60 * 1000;

const base: TopicSpec[] = [
  ...STEP_SERVICES.map((service) => ({
    name: stepCommandsTopic(service),
    partitions: 6,
    cleanupPolicy: 'delete' as const,
    retentionMs: 7 * DAY,
    description: `stage steps for ${service}; key: run id`,
  })),
  { name: TOPICS.stepResults, partitions: 6, cleanupPolicy: 'delete', retentionMs: 7 * DAY, description: 'step outcomes; key: run id' },
  { name: TOPICS.runEvents, partitions: 6, cleanupPolicy: 'delete', retentionMs: 30 * DAY, description: 'public run lifecycle stream; key: run id' },
  { name: TOPICS.notifications, partitions: 3, cleanupPolicy: 'delete', retentionMs: 30 * DAY, description: 'human-oriented notices routed by team; key: team' },
  { name: TOPICS.inventory, partitions: 3, cleanupPolicy: 'compact', retentionMs: -1, description: 'dependency inventory; key: application + component' },
  { name: TOPICS.runtimeInstances, partitions: 3, cleanupPolicy: 'compact', retentionMs: -1, description: 'production instances; key: application + instance' },
  { name: TOPICS.applications, partitions: 3, cleanupPolicy: 'compact', retentionMs: -1, description: "task-manager's application catalog (ApplicationCatalogEntry, deleted flag); key: application name" },
];

/** Every topic Shipshape uses, with a dead-letter topic for each. The stack scripts create exactly these. */
export const TOPIC_CATALOG: readonly TopicSpec[] = [
  ...base,
  ...base.map((t) => ({
    name: dlqTopic(t.name),
    partitions: 1,
    cleanupPolicy: 'delete' as const,
    retentionMs: 30 * DAY,
    description: `poison and exhausted messages of ${t.name}, with original bytes and error headers`,
  })),
];
