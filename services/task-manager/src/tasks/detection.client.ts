import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { SERVICE_CONFIG } from '@shipshape/service-kit';
import { z } from 'zod';
import type { TaskManagerConfig } from '../config/task-manager.config';
import { badRequest } from '../http/validation';

/** The part of detection-service's `GET /api/inventory/usage` answer task-manager reads. */
const usageAnswer = z.object({
  applications: z.array(
    z.object({
      application: z.string().min(1),
      sourceVersions: z.array(z.string()),
      runtimeVersions: z.array(z.string()),
    }),
  ),
});

export type ComponentUsage = z.output<typeof usageAnswer>['applications'][number];

/** Ecosystems as the inventory names them (libs/manifests): gradle dependencies are Maven coordinates. */
export function inventoryEcosystem(ecosystem: string): string {
  switch (ecosystem) {
    case 'gradle':
      return 'maven';
    case 'javaagent':
      return 'java-agent';
    default:
      return ecosystem;
  }
}

/** detection-service could not answer: a 503 naming the host and what went wrong (never a 500). */
function unavailable(base: string, problem: string): ServiceUnavailableException {
  return new ServiceUnavailableException({ statusCode: 503, error: 'Service Unavailable', message: `detection-service at ${base} ${problem}`, upstream: 'detection-service' });
}

/** Reads detection-service's dependency inventory over REST (`DETECTION_BASE_URL`). */
@Injectable()
export class DetectionClient {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: TaskManagerConfig) {}

  /**
   * Applications the inventory says use a component, with the versions their source declares and
   * their running instances load. `field` names the task field the question came from, for a 400.
   */
  async usage(component: { ecosystem: string; name: string }, field: string): Promise<ComponentUsage[]> {
    const base = this.config.DETECTION_BASE_URL.replace(/\/+$/, '');
    const query = new URLSearchParams({ ecosystem: inventoryEcosystem(component.ecosystem), name: component.name });
    let res: Response;
    try {
      res = await fetch(`${base}/api/inventory/usage?${query}`, { signal: AbortSignal.timeout(this.config.DETECTION_TIMEOUT_MS), headers: { accept: 'application/json' } });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      const cause = err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.message) : String(err);
      throw unavailable(base, timedOut ? `did not answer within ${this.config.DETECTION_TIMEOUT_MS} ms` : `is unreachable (${cause})`);
    }
    const text = await res.text().catch(() => '');
    if (res.status === 400) {
      // detection does not know the component as given (e.g. an ecosystem its inventory has no name for).
      throw badRequest([{ field, message: `detection-service refused the inventory query for ${component.ecosystem} ${component.name}: ${text.slice(0, 300)}` }]);
    }
    if (!res.ok) throw unavailable(base, `answered HTTP ${res.status} to the inventory query`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw unavailable(base, `answered the inventory query with something that is not JSON (${JSON.stringify(text.slice(0, 80))})`);
    }
    const parsed = usageAnswer.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).slice(0, 3).join('; ');
      throw unavailable(base, `answered the inventory query in an unexpected shape (${where})`);
    }
    return parsed.data.applications;
  }
}
