import type { ComponentDeclaration, SourceLocation } from '../model';
import { dirOf } from '../shared/lines';

export interface DockerInstruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Instructions of a Dockerfile with continuation lines joined; `line` is where each starts. */
export function readDockerfile(content: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let text = lines[i]!.replace(/\r$/, '');
    if (/^\s*(#|$)/.test(text)) continue;
    while (/\\\s*$/.test(text) && i + 1 < lines.length) text = text.replace(/\\\s*$/, ' ') + lines[++i]!.replace(/\r$/, '').replace(/^\s*#.*$/, '');
    const m = /^\s*(\w+)\s+(.*)$/.exec(text);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  return out;
}

/** `registry:5000/org/img:tag@sha256:…` → name (with registry), tag, digest. */
export function parseImage(ref: string): { name: string; tag: string | undefined; digest: string | undefined } {
  const [withoutDigest, digest] = ref.split('@') as [string, string | undefined];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, tag: undefined, digest };
}

const JDK_IMAGES = /(^|\/)(eclipse-temurin|openjdk|amazoncorretto|zulu-openjdk|ibm-semeru-runtimes|liberica-openjdk[\w-]*|liberica-runtime-container|sapmachine|adoptopenjdk|java|jdk|jre|microsoft\/openjdk|ubi\d*\/openjdk-\d+(-runtime)?)$/;

/**
 * Base images of every stage (`ARG` defaults substituted; `scratch` and earlier stages skipped) and
 * the JDK of the final stage when its base image is a known JDK image.
 */
export function extractDockerfile(path: string, content: string): ComponentDeclaration[] {
  const out: ComponentDeclaration[] = [];
  const module = dirOf(path);
  const args = new Map<string, { value: string; at: SourceLocation }>();
  const stages = new Set<string>();
  let last: ComponentDeclaration | undefined;
  for (const ins of readDockerfile(content)) {
    const at = { file: path, line: ins.line };
    if (ins.keyword === 'ARG') {
      const m = /^(\w+)(?:=(?:"([^"]*)"|(\S*)))?/.exec(ins.args);
      if (m && (m[2] ?? m[3]) !== undefined) args.set(m[1]!, { value: (m[2] ?? m[3])!, at });
      continue;
    }
    if (ins.keyword !== 'FROM') continue;
    const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+as\s+(\S+))?/i.exec(ins.args);
    if (!m) continue;
    let ref = m[1]!;
    let via: string | undefined;
    let versionAt: SourceLocation = at;
    ref = ref.replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)/g, (_all, a: string | undefined, def: string | undefined, b: string | undefined) => {
      const name = (a ?? b)!;
      const arg = args.get(name);
      via ??= name;
      if (arg) versionAt = arg.at;
      return arg?.value ?? def ?? '';
    });
    if (m[2]) stages.add(m[2].toLowerCase());
    if (ref === 'scratch' || stages.has(ref.toLowerCase())) {
      last = undefined;
      continue;
    }
    const image = parseImage(ref);
    last = {
      ecosystem: 'docker',
      name: image.name,
      version: image.tag ?? image.digest ?? 'latest',
      direct: true,
      kind: 'base-image',
      declaredAt: at,
      versionAt,
      ...(via ? { via } : {}),
      ...(m[2] ? { scope: `stage ${m[2]}` } : {}),
      module,
    };
    out.push(last);
  }
  if (last && JDK_IMAGES.test(last.name) && last.version) {
    const v = /^(?:jdk-?|jre-?)?(\d+(?:\.\d+)*)/.exec(last.version)?.[1];
    if (v) out.push({ ...last, ecosystem: 'jdk', name: 'java', version: v.replace(/^1\.(\d+)$/, '$1'), kind: 'base-image', via: `${last.name}:${last.version}` });
  }
  return out;
}
