import type { ComponentDeclaration, SourceLocation } from '../model';
import { dirOf } from '../shared/lines';

/** Files that may attach a JavaAgent: Dockerfiles, JVM option files, deployment values/manifests. */
export function isAgentCandidate(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^Dockerfile/.test(base) || base.endsWith('.dockerfile')) return true;
  if (['.jvmopts', 'jvm.config', 'jvm.options', 'java.opts', 'JAVA_OPTS'].includes(base)) return true;
  return /\.ya?ml$/.test(base) && /(^|\/)(values[\w.-]*|deploy[\w.-]*|deployment[\w.-]*)\.ya?ml$|(^|\/)(deploy|k8s|helm|charts?|kubernetes)\//.test(path);
}

const AGENT_VAR = /^(\w*?)[_-]?(?:JAVA_?)?AGENT[_-]?VERSION$|^(\w*?)[Aa]gent[Vv]ersion$/;

/**
 * JavaAgents: each `-javaagent:<jar>` (version from the jar name, or from an agent version
 * variable the path uses or the file defines), and agent version variables (`ARG/ENV
 * OTEL_AGENT_VERSION=…`, `otelAgentVersion: …`, env lists) that no `-javaagent:` consumed.
 */
export function extractJavaAgents(path: string, content: string): ComponentDeclaration[] {
  const module = dirOf(path);
  const vars = new Map<string, { value: string; at: SourceLocation }>();
  const lines = content.split('\n');
  lines.forEach((l, i) => {
    const at = { file: path, line: i + 1 };
    const docker = /^\s*(?:ARG|ENV)\s+(\w+)[=\s]"?([\w.+-]+)"?/.exec(l);
    const yaml = /^\s*-?\s*([\w.-]+)\s*:\s*["']?([\w.+-]+)["']?\s*$/.exec(l);
    const envName = /^\s*-\s*name:\s*["']?(\w+)["']?\s*$/.exec(l);
    const envValue = envName ? /^\s*value:\s*["']?([\w.+-]+)["']?\s*$/.exec(lines[i + 1] ?? '') : null;
    if (docker) vars.set(docker[1]!, { value: docker[2]!, at });
    else if (envName && envValue) vars.set(envName[1]!, { value: envValue[1]!, at: { file: path, line: i + 2 } });
    else if (yaml && yaml[1] !== 'name' && yaml[1] !== 'value') vars.set(yaml[1]!, { value: yaml[2]!, at });
  });
  const agentVars = [...vars.keys()].filter((k) => AGENT_VAR.test(k));
  const used = new Set<string>();
  const out: ComponentDeclaration[] = [];
  lines.forEach((l, i) => {
    for (const m of l.matchAll(/-javaagent:["']?([^\s"'=]+?\.jar)/g)) {
      const at = { file: path, line: i + 1 };
      let versionAt: SourceLocation | null = at;
      let via: string | undefined;
      const jar = m[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_all, a: string | undefined, b: string | undefined) => {
        const name = (a ?? b)!;
        const v = vars.get(name);
        used.add(name);
        via ??= name;
        if (v) versionAt = v.at;
        return v?.value ?? `\${${name}}`;
      });
      const base = jar.slice(jar.lastIndexOf('/') + 1, -'.jar'.length);
      const split = /^(.+?)-(\d[\w.+-]*)$/.exec(base);
      let name = split?.[1] ?? base;
      let version: string | null = split?.[2] ?? null;
      if (!version && agentVars.length === 1 && !used.has(agentVars[0]!)) {
        const v = vars.get(agentVars[0]!)!;
        used.add(agentVars[0]!);
        version = v.value;
        versionAt = v.at;
        via = agentVars[0];
      }
      if (!version) versionAt = null;
      name = name || 'javaagent';
      out.push({ ecosystem: 'java-agent', name, version, direct: true, kind: 'agent', declaredAt: at, versionAt, ...(via ? { via } : {}), module, ...(version ? {} : { problem: { kind: 'no-version' } as const }) });
    }
  });
  for (const k of agentVars) {
    if (used.has(k)) continue;
    const m = AGENT_VAR.exec(k)!;
    const prefix = (m[1] ?? m[2] ?? '').replace(/([a-z])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
    const v = vars.get(k)!;
    out.push({ ecosystem: 'java-agent', name: prefix ? `${prefix}-agent` : 'javaagent', version: v.value, direct: true, kind: 'agent', declaredAt: v.at, versionAt: v.at, via: k, module });
  }
  return out;
}
