import type { EditResult, ReportEntry } from '../recipe';
import type { TextOptions } from './schema';

/** 1-based line of a character offset. */
function lineAt(content: string, offset: number): number {
  let line = 1;
  for (let i = content.indexOf('\n'); i !== -1 && i < offset; i = content.indexOf('\n', i + 1)) line++;
  return line;
}

/** Applies the literal replacements to one file; one report entry per replacement that matched. */
export function applyText(content: string, options: TextOptions, path: string): EditResult {
  if (options.ifContains !== undefined && !content.includes(options.ifContains)) return { content: null, report: [] };
  let next = content;
  const report: ReportEntry[] = [];
  for (const r of options.replacements) {
    const first = next.indexOf(r.from);
    if (first === -1) continue;
    const count = next.split(r.from).length - 1;
    report.push({ file: path, subject: r.from, outcome: 'updated', line: lineAt(next, first), from: r.from, to: r.to, detail: `${count} occurrence(s)` });
    next = next.split(r.from).join(r.to);
  }
  return { content: next === content ? null : next, report };
}
