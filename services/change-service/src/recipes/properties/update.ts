import type { EditResult, RecipeContext, ReportEntry } from '../recipe';
import type { KeyOperation } from '../shared/key-operations.schema';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import type { PropertiesOptions } from './schema';

/** One key/value entry of a .properties file with the exact ranges of its parts. */
interface Entry {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly separator: string;
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly value: string;
  readonly lineStart: number;
  /** Just after the entry's last newline (continuations included). */
  readonly lineEnd: number;
  readonly line: number;
}

/** Reads entries the way java.util.Properties does (comments # and !, separators = : or blanks, \ continuations). */
export function parseProperties(content: string): Entry[] {
  const entries: Entry[] = [];
  let i = 0;
  let line = 1;
  while (i < content.length) {
    const lineStart = i;
    const startLine = line;
    // logical line end: a newline not escaped by an odd number of backslashes
    let end = i;
    for (;;) {
      const nl = content.indexOf('\n', end);
      const stop = nl < 0 ? content.length : nl;
      let bs = 0;
      for (let k = (content[stop - 1] === '\r' ? stop - 2 : stop - 1); k >= i && content[k] === '\\'; k--) bs++;
      if (bs % 2 === 1 && nl >= 0) {
        end = nl + 1;
        line++;
        continue;
      }
      end = stop;
      break;
    }
    const next = end < content.length ? end + 1 : end;
    let k = i;
    while (k < end && (content[k] === ' ' || content[k] === '\t' || content[k] === '\f')) k++;
    if (k < end && content[k] !== '#' && content[k] !== '!' && content[k] !== '\r') {
      const keyStart = k;
      while (k < end && !'=: \t\f\r'.includes(content[k]!)) k += content[k] === '\\' ? 2 : 1;
      const keyEnd = Math.min(k, end);
      const sepStart = keyEnd;
      while (k < end && (content[k] === ' ' || content[k] === '\t' || content[k] === '\f')) k++;
      if (k < end && (content[k] === '=' || content[k] === ':')) k++;
      while (k < end && (content[k] === ' ' || content[k] === '\t' || content[k] === '\f')) k++;
      const valueEnd = content[end - 1] === '\r' ? end - 1 : end;
      entries.push({
        key: unescape(content.slice(keyStart, keyEnd)),
        keyStart,
        keyEnd,
        separator: content.slice(sepStart, k),
        valueStart: k,
        valueEnd,
        value: unescape(content.slice(k, valueEnd).replace(/\\\r?\n[ \t\f]*/g, '')),
        lineStart,
        lineEnd: next,
        line: startLine,
      });
    }
    line++;
    i = next;
  }
  return entries;
}

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, c: string) =>
    c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : ({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[c] ?? c,
  );
}

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/^ /, '\\ ');
}
function escapeKey(k: string): string {
  return escapeValue(k).replace(/([=: ])/g, '\\$1');
}

function applyOperation(content: string, op: KeyOperation, file: string): { edits: TextEdit[]; report: ReportEntry[] } {
  const entries = parseProperties(content);
  const hits = entries.filter((e) => e.key === op.key);
  const base = { file, subject: op.key };
  const edits: TextEdit[] = [];
  const report: ReportEntry[] = [];
  switch (op.op) {
    case 'set': {
      const to = String(op.value);
      for (const e of hits) {
        if (e.value === to) report.push({ ...base, line: e.line, from: e.value, to, outcome: 'already-at-target' });
        else {
          edits.push({ start: e.valueStart, end: e.valueEnd, text: escapeValue(to) });
          report.push({ ...base, line: e.line, from: e.value, to, outcome: 'updated' });
        }
      }
      if (hits.length === 0) {
        if (op.onlyIfPresent) return { edits, report: [{ ...base, outcome: 'not-found' }] };
        const sep = entries[0]?.separator || '=';
        const nl = content.includes('\r\n') ? '\r\n' : '\n';
        const lead = content.length === 0 || content.endsWith('\n') ? '' : nl;
        edits.push({ start: content.length, end: content.length, text: `${lead}${escapeKey(op.key)}${sep}${escapeValue(to)}${nl}` });
        report.push({ ...base, to, outcome: 'updated', detail: 'added' });
      }
      return { edits, report };
    }
    case 'rename': {
      for (const e of hits) {
        edits.push({ start: e.keyStart, end: e.keyEnd, text: escapeKey(op.to) });
        report.push({ ...base, line: e.line, from: op.key, to: op.to, outcome: 'updated' });
      }
      if (hits.length === 0) {
        const done = entries.some((e) => e.key === op.to);
        report.push({ ...base, from: op.key, to: op.to, outcome: done ? 'already-at-target' : 'not-found' });
      }
      return { edits, report };
    }
    case 'delete': {
      for (const e of hits) {
        edits.push({ start: e.lineStart, end: e.lineEnd, text: '' });
        report.push({ ...base, line: e.line, outcome: 'updated', detail: 'deleted' });
      }
      if (hits.length === 0) report.push({ ...base, outcome: 'not-found' });
      return { edits, report };
    }
    default: {
      const never: never = op;
      return never;
    }
  }
}

export function applyProperties(content: string, options: PropertiesOptions, ctx: RecipeContext): EditResult {
  let current = content;
  const report: ReportEntry[] = [];
  for (const op of options.operations) {
    const r = applyOperation(current, op, ctx.path);
    report.push(...r.report);
    current = applyEdits(current, r.edits) ?? current;
  }
  return { content: current === content ? null : current, report };
}
