import type { EditResult, RecipeContext, ReportEntry } from '../recipe';
import { RecipeInputError, lineAt } from '../errors';
import type { JavaOptions } from './schema';

/** Code between strings and comments: the only places a rename may touch. */
interface Segment {
  readonly code: boolean;
  readonly text: string;
}

/** Splits Java source into code and non-code (strings, chars, text blocks, comments). */
export function segmentJava(content: string, file: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  let codeStart = 0;
  const push = (from: number, to: number, code: boolean) => {
    if (to > from) out.push({ code, text: content.slice(from, to) });
  };
  const skipTo = (needle: string, from: number, what: string) => {
    const end = content.indexOf(needle, from);
    if (end < 0) throw new RecipeInputError(`unterminated ${what}`, file, lineAt(content, i));
    return end + needle.length;
  };
  while (i < content.length) {
    const c = content[i];
    let end = -1;
    if (c === '/' && content[i + 1] === '/') {
      const nl = content.indexOf('\n', i);
      end = nl < 0 ? content.length : nl;
    } else if (c === '/' && content[i + 1] === '*') end = skipTo('*/', i + 2, 'comment');
    else if (c === '"' && content.startsWith('"""', i)) end = skipTo('"""', i + 3, 'text block');
    else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < content.length && content[j] !== c) {
        if (content[j] === '\\') j++;
        if (content[j] === '\n') throw new RecipeInputError('unterminated string literal', file, lineAt(content, i));
        j++;
      }
      if (j >= content.length) throw new RecipeInputError('unterminated string literal', file, lineAt(content, i));
      end = j + 1;
    }
    if (end < 0) {
      i++;
      continue;
    }
    push(codeStart, i, true);
    push(i, end, false);
    i = end;
    codeStart = end;
  }
  push(codeStart, content.length, true);
  return out;
}

const escape = (s: string) => s.replace(/[.$]/g, (m) => `\\${m}`);

export function applyJava(content: string, options: JavaOptions, ctx: RecipeContext): EditResult {
  let segments = segmentJava(content, ctx.path);
  const report: ReportEntry[] = [];
  const count = (re: RegExp) => segments.filter((s) => s.code).reduce((n, s) => n + (s.text.match(re)?.length ?? 0), 0);
  const firstLine = (re: RegExp) => {
    let offset = 0;
    for (const s of segments) {
      if (s.code) {
        const m = new RegExp(re.source).exec(s.text);
        if (m) return lineAt(segments.map((x) => x.text).join(''), offset + m.index);
      }
      offset += s.text.length;
    }
    return undefined;
  };
  const replace = (re: RegExp, fn: (match: string, ...rest: unknown[]) => string) => {
    segments = segments.map((s) => (s.code ? { code: true, text: s.text.replace(re, fn) } : s));
  };

  for (const { from, to } of options.renames) {
    // Whole dotted names only; skip text that already reads `to` when `to` extends `from` (idempotent).
    const re = new RegExp(`(?<![\\w$.])${escape(from)}(?![\\w$])`, 'g');
    const extendsFrom = to.startsWith(`${from}.`);
    const fqnMatches = (s: string, at: number) => !(extendsFrom && s.startsWith(to, at));
    const fromSimple = from.split('.').at(-1)!;
    const toSimple = to.split('.').at(-1)!;
    const isTypeRename = /^[A-Z]/.test(fromSimple);
    const imported = isTypeRename && count(new RegExp(`\\bimport\\s+${escape(from)}\\s*;`, 'g')) > 0;
    let n = 0;
    const line = firstLine(re);
    replace(re, (m, offset, whole) => {
      if (!fqnMatches(whole as string, offset as number)) return m;
      n++;
      return to;
    });
    if (imported && fromSimple !== toSimple) {
      const simple = new RegExp(`(?<![\\w$.])${escape(fromSimple)}(?![\\w$])`, 'g');
      replace(simple, () => {
        n++;
        return toSimple;
      });
    }
    const subject = `${from} -> ${to}`;
    if (n > 0) report.push({ file: ctx.path, subject, outcome: 'updated', from, to, line, detail: `${n} reference(s)` });
    else if (count(new RegExp(`(?<![\\w$.])${escape(to)}(?![\\w$])`, 'g')) > 0) report.push({ file: ctx.path, subject, outcome: 'already-at-target', from, to });
  }

  for (const { type, from, to } of options.methodRenames) {
    const simple = type.split('.').at(-1)!;
    const pkg = type.split('.').slice(0, -1).join('.');
    const usesType =
      count(new RegExp(`(?<![\\w$.])${escape(type)}(?![\\w$])`, 'g')) > 0 ||
      count(new RegExp(`\\bimport\\s+${escape(pkg)}\\.\\*\\s*;`, 'g')) > 0 ||
      count(new RegExp(`\\bpackage\\s+${escape(pkg)}\\s*;`, 'g')) > 0;
    if (!usesType || count(new RegExp(`(?<![\\w$])${escape(simple)}(?![\\w$])`, 'g')) === 0) continue;
    const re = new RegExp(`(\\.\\s*)${escape(from)}(?=\\s*\\()`, 'g');
    const line = firstLine(re);
    let n = 0;
    replace(re, (_m, dot) => {
      n++;
      return `${dot as string}${to}`;
    });
    if (n > 0) report.push({ file: ctx.path, subject: `${type}#${from} -> ${to}`, outcome: 'updated', from, to, line, detail: `${n} call(s)` });
  }

  const next = segments.map((s) => s.text).join('');
  return {
    content: next === content ? null : next,
    report: report.length > 0 ? report : [{ file: ctx.path, subject: options.renames.map((r) => r.from).join(', '), outcome: 'not-found' }],
  };
}
