import type { EditResult, RecipeContext, ReportEntry } from '../recipe';
import { lineAt } from '../errors';
import { isDockerfile } from '../docker/update';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import { compareVersions } from '@shipshape/manifests';
import type { JavaagentOptions } from './schema';

/** Where agent versions live: Dockerfiles, JVM option files, deployment values/manifests, env and properties files. */
export function isAgentFile(path: string): boolean {
  const base = path.split('/').at(-1)!;
  return isDockerfile(path) || /\.(ya?ml|env|properties|jvmopts|options|conf|sh)$/.test(base) || /^(jvm\.config|\.env|JAVA_OPTS)$/.test(base);
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const VERSION = '(\\d+(?:\\.\\d+)*(?:[-.][A-Za-z][\\w.]*)?)';

export function applyJavaagent(content: string, o: JavaagentOptions, ctx: RecipeContext): EditResult {
  const edits: TextEdit[] = [];
  const report: ReportEntry[] = [];
  const seen = new Set<number>();
  const found = (start: number, value: string, detail: string) => {
    if (seen.has(start)) return;
    seen.add(start);
    const base = { file: ctx.path, subject: o.agent, line: lineAt(content, start), from: value, to: o.toVersion, detail };
    if (value === o.toVersion) report.push({ ...base, outcome: 'already-at-target' });
    else if (compareVersions(value, o.toVersion) > 0) report.push({ ...base, outcome: 'skipped', reason: 'newer-than-target' });
    else {
      edits.push({ start, end: start + value.length, text: o.toVersion });
      report.push({ ...base, outcome: 'updated' });
    }
  };
  const agent = esc(o.agent);
  const patterns: [RegExp, string][] = [
    [new RegExp(`${agent}-${VERSION}(?:-all)?\\.jar`, 'g'), 'jar name'],
    [new RegExp(`/${agent}/v?${VERSION}/`, 'g'), 'download path'],
    [new RegExp(`/releases/download/v${VERSION}/${agent}`, 'g'), 'release download path'],
  ];
  for (const name of o.versionVariables) {
    const n = esc(name);
    // ENV NAME=1.2 | ARG NAME=1.2 | NAME=1.2 | NAME: 1.2 | NAME: "1.2" | ENV NAME 1.2 | - name: NAME\n  value: "1.2"
    patterns.push([new RegExp(`(?:^|[\\s"'{,])${n}(?:\\s*[=:]\\s*|[ \\t]+)["']?${VERSION}["']?(?=[\\s,}"']|$)`, 'gm'), name]);
    patterns.push([new RegExp(`name:\\s*["']?${n}["']?\\s*\\n\\s*value:\\s*["']?${VERSION}`, 'g'), name]);
  }
  for (const [re, detail] of patterns) {
    for (const m of content.matchAll(re)) {
      const value = m[1]!;
      const start = m.index + m[0].lastIndexOf(value, m[0].length - (m[0].endsWith('.jar') ? 4 : 0));
      found(start, value, detail);
    }
  }
  return {
    content: applyEdits(content, edits),
    report: report.length > 0 ? report : [{ file: ctx.path, subject: o.agent, outcome: 'not-found' }],
  };
}
