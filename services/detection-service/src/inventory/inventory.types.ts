import type { ComponentDeclaration, DeclarationProblem } from '@shipshape/manifests';

export const ORIGINS = ['SOURCE', 'RUNTIME'] as const;
export type Origin = (typeof ORIGINS)[number];

/** How a runtime component was observed (RUNTIME rows use these as `kind`). */
export const RUNTIME_KINDS = ['endpoint', 'jar-manifest', 'pom-properties', 'jar-file-name', 'class-file', 'node-modules', 'instance-event'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/** One row of the inventory: a declaration (SOURCE) or a component an instance has loaded (RUNTIME). */
export interface InventoryEntry {
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string | null;
  readonly constraint: string | null;
  readonly direct: boolean;
  readonly kind: string;
  readonly declaredFile: string | null;
  readonly declaredLine: number | null;
  readonly versionFile: string | null;
  readonly versionLine: number | null;
  readonly via: string | null;
  readonly scope: string | null;
  readonly module: string;
  readonly problem: DeclarationProblem | null;
}

/** Which slice of the inventory a scan replaces. */
export interface InventoryScope {
  readonly application: string;
  readonly origin: Origin;
  /** '' for SOURCE. */
  readonly instance: string;
  readonly commit: string | null;
}

export function entryOfDeclaration(d: ComponentDeclaration): InventoryEntry {
  return {
    ecosystem: d.ecosystem,
    name: d.name,
    version: d.version,
    constraint: d.constraint ?? null,
    direct: d.direct,
    kind: d.kind,
    declaredFile: d.declaredAt.file,
    declaredLine: d.declaredAt.line,
    versionFile: d.versionAt?.file ?? null,
    versionLine: d.versionAt?.line ?? null,
    via: d.via ?? null,
    scope: d.scope ?? null,
    module: d.module,
    problem: d.problem ?? null,
  };
}
