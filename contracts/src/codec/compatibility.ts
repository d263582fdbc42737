import type { Type } from 'avsc';
import type { RegisteredSchema } from './schema.registry';

export type CompatibilityDirection = 'backward' | 'forward';

export interface CompatibilityProblem {
  readonly eventType: string;
  /** backward: the newer version cannot read data of the older; forward: the older cannot read the newer. */
  readonly direction: CompatibilityDirection;
  readonly writerVersion: number;
  readonly readerVersion: number;
  readonly reason: string;
}

/** Whether `reader` can read data written with `writer` under Avro's schema resolution rules. */
export function canRead(reader: Type, writer: Type): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  try {
    reader.createResolver(writer);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Every pair of versions of one event type, both directions: each newer version must read every
 * older one (backward) and every older one must read the newer (forward). Empty when all is well.
 */
export function checkEvolution(versions: readonly RegisteredSchema[]): CompatibilityProblem[] {
  const problems: CompatibilityProblem[] = [];
  for (let newer = 1; newer < versions.length; newer++) {
    for (let older = 0; older < newer; older++) {
      const n = versions[newer]!;
      const o = versions[older]!;
      const backward = canRead(n.type, o.type);
      if (!backward.ok) {
        problems.push({ eventType: n.eventType, direction: 'backward', writerVersion: o.version, readerVersion: n.version, reason: backward.reason });
      }
      const forward = canRead(o.type, n.type);
      if (!forward.ok) {
        problems.push({ eventType: n.eventType, direction: 'forward', writerVersion: n.version, readerVersion: o.version, reason: forward.reason });
      }
    }
  }
  return problems;
}
