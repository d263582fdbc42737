import { ShipshapeError } from '@shipshape/contracts';
import type { InventoryEntry } from '../inventory/inventory.types';

/** An instance whose components endpoint cannot be read; `host` names it (no credentials). */
export class InstanceUnreadableError extends ShipshapeError {
  constructor(host: string, reason: string, cause?: unknown) {
    super('DETECTION.INSTANCE_UNREADABLE', `${host}: ${reason}`, { cause, details: { host } });
  }
}

/**
 * Ecosystem of a component an instance or a RuntimeInstanceEvent reports by name only: `agent`
 * (release-service's sidecar agent version) and `*-agent`/`*javaagent` are JavaAgents, `java` the JDK,
 * `g:a` Maven coordinates, anything else an npm package.
 */
export function ecosystemOfReported(name: string): string {
  if (name === 'agent' || /(-agent|javaagent)$/.test(name)) return 'java-agent';
  if (name === 'java') return 'jdk';
  return name.includes(':') ? 'maven' : 'npm';
}

/** What an instance reports: components it has loaded and, optionally, where its artifact lives. */
export interface EndpointReport {
  readonly components: InventoryEntry[];
  /** Path of the deployed jar, when the instance tells it. */
  readonly artifact: string | null;
  /** Directory holding the Node app's node_modules, when the instance tells it. */
  readonly appDir: string | null;
  /** Paths of the JavaAgent jars it was started with (`-javaagent:`), when the instance tells them. */
  readonly agents: readonly string[];
}

interface Body {
  components?: unknown;
  artifact?: unknown;
  appDir?: unknown;
  agents?: unknown;
}

/**
 * Reads `GET http://<address><path>`. Accepted bodies: `{ components: [{ ecosystem?, name, version }] }`
 * or `{ components: { "<coordinates>": "<version>" } }` (ecosystem maven when the name has a `:`, else
 * npm), with optional `artifact` (jar path), `appDir` (Node app directory) and `agents` (JavaAgent jar paths).
 */
export async function readEndpoint(address: string, path: string, timeoutMs: number): Promise<EndpointReport> {
  const url = `${/^https?:\/\//.test(address) ? address : `http://${address}`}${path}`;
  const host = new URL(url).host;
  let body: Body;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new InstanceUnreadableError(host, `GET ${path} answered ${res.status}`);
    body = (await res.json()) as Body;
  } catch (err) {
    if (err instanceof InstanceUnreadableError) throw err;
    throw new InstanceUnreadableError(host, `GET ${path} failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  const where = `${url}`;
  const make = (ecosystem: string, name: string, version: string | null): InventoryEntry => ({
    ecosystem, name, version, constraint: null, direct: true, kind: 'endpoint', declaredFile: where, declaredLine: null,
    versionFile: null, versionLine: null, via: null, scope: null, module: '', problem: version === null ? { kind: 'no-version' } : null,
  });
  const components: InventoryEntry[] = [];
  if (Array.isArray(body.components)) {
    for (const c of body.components as { ecosystem?: unknown; name?: unknown; version?: unknown }[]) {
      if (typeof c?.name !== 'string') throw new InstanceUnreadableError(host, `GET ${path}: a component has no name`);
      components.push(make(typeof c.ecosystem === 'string' ? c.ecosystem : ecosystemOfReported(c.name), c.name, typeof c.version === 'string' ? c.version : null));
    }
  } else if (body.components && typeof body.components === 'object') {
    for (const [name, version] of Object.entries(body.components as Record<string, unknown>)) components.push(make(ecosystemOfReported(name), name, typeof version === 'string' ? version : null));
  } else throw new InstanceUnreadableError(host, `GET ${path}: no "components" in the answer`);
  return {
    components,
    artifact: typeof body.artifact === 'string' ? body.artifact : null,
    appDir: typeof body.appDir === 'string' ? body.appDir : null,
    agents: Array.isArray(body.agents) ? body.agents.filter((a): a is string => typeof a === 'string') : [],
  };
}
