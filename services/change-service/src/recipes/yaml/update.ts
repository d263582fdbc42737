import { isMap, isScalar, parseAllDocuments, Scalar, type Document, type Pair, type YAMLMap } from 'yaml';
import { RecipeInputError, lineAt } from '../errors';
import type { EditResult, RecipeContext, ReportEntry } from '../recipe';
import type { KeyOperation } from '../shared/key-operations.schema';
import { applyEdits, type TextEdit } from '../shared/text-edits';
import type { YamlOptions } from './schema';

type AnyPair = Pair<unknown, unknown>;

interface Found {
  readonly pair: AnyPair;
  readonly keyText: string;
}

/** Walks dotted `key` through block maps; a map key may itself contain dots (`spring.datasource.url: …`). */
function find(map: unknown, segments: readonly string[]): Found | undefined {
  if (!isMap(map)) return undefined;
  for (let take = segments.length; take >= 1; take--) {
    const head = segments.slice(0, take).join('.');
    const pair = (map as YAMLMap<unknown, unknown>).items.find((p) => isScalar(p.key) && String(p.key.value) === head);
    if (!pair) continue;
    if (take === segments.length) return { pair, keyText: head };
    const deeper = find(pair.value, segments.slice(take));
    if (deeper) return deeper;
  }
  return undefined;
}

/** The deepest existing block map on the path and the segments still missing below it. */
function deepestMap(map: YAMLMap<unknown, unknown>, segments: readonly string[]): { map: YAMLMap<unknown, unknown>; rest: string[] } {
  for (let take = segments.length - 1; take >= 1; take--) {
    const head = segments.slice(0, take).join('.');
    const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === head);
    if (pair && isMap(pair.value) && !pair.value.flow) return deepestMap(pair.value as YAMLMap<unknown, unknown>, segments.slice(take));
  }
  return { map, rest: [...segments] };
}

function render(value: string | number | boolean, style?: Scalar['type']): string {
  const s = String(value);
  if (style === Scalar.QUOTE_DOUBLE) return JSON.stringify(s);
  if (style === Scalar.QUOTE_SINGLE) return `'${s.replace(/'/g, "''")}'`;
  if (typeof value !== 'string') return s;
  const plainSafe = /^[\w./@${}\-][\w./@${}:\- ]*$/.test(s) && !/ $/.test(s) && !/: /.test(s) && !/^(true|false|null|yes|no|on|off|~|[-+]?\d[\d._]*(e[-+]?\d+)?)$/i.test(s);
  return plainSafe ? s : JSON.stringify(s);
}

const lineStart = (content: string, at: number) => content.lastIndexOf('\n', at - 1) + 1;
const lineEnd = (content: string, at: number) => {
  const nl = content.indexOf('\n', at);
  return nl < 0 ? content.length : nl;
};

function applyOperation(content: string, docs: readonly Document.Parsed[], op: KeyOperation, file: string): { edits: TextEdit[]; report: ReportEntry[] } {
  const segments = op.key.split('.');
  const edits: TextEdit[] = [];
  const report: ReportEntry[] = [];
  const hits = docs.map((d) => ({ doc: d, found: find(d.contents, segments) })).filter((h) => h.found);
  const base = { file, subject: op.key };
  switch (op.op) {
    case 'set': {
      for (const { found } of hits) {
        const v = found!.pair.value;
        const line = lineAt(content, (found!.pair.key as Scalar).range![0]);
        if (!isScalar(v) || !v.range) {
          report.push({ ...base, line, outcome: 'skipped', reason: 'unsupported-spec', detail: 'value is not a scalar' });
          continue;
        }
        const current = v.value === null ? '' : String(v.value);
        if (current === String(op.value)) {
          report.push({ ...base, line, from: current, to: String(op.value), outcome: 'already-at-target' });
          continue;
        }
        const style = v.type === Scalar.BLOCK_FOLDED || v.type === Scalar.BLOCK_LITERAL ? Scalar.QUOTE_DOUBLE : v.type;
        edits.push({ start: v.range[0], end: v.range[1], text: render(op.value, style) });
        report.push({ ...base, line, from: current, to: String(op.value), outcome: 'updated' });
      }
      if (hits.length === 0) {
        if (op.onlyIfPresent) return { edits, report: [{ ...base, outcome: 'not-found' }] };
        const doc = docs[0];
        const root = doc?.contents;
        if (root && !isMap(root)) return { edits, report: [{ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: 'document is not a map' }] };
        if (root && isMap(root) && root.flow) return { edits, report: [{ ...base, outcome: 'skipped', reason: 'unsupported-spec', detail: 'flow-style map' }] };
        const { map, rest } = root ? deepestMap(root as YAMLMap<unknown, unknown>, segments) : { map: undefined, rest: segments };
        const first = map?.items[0]?.key as Scalar | undefined;
        const indent = first?.range ? first.range[0] - lineStart(content, first.range[0]) : 0;
        const lastEnd = map && map.items.length > 0 ? (map.items.at(-1)!.value as Scalar | null)?.range?.[1] ?? (map.items.at(-1)!.key as Scalar).range![1] : undefined;
        const step = detectIndentStep(content);
        const lines = rest.map((seg, i) => `${' '.repeat(indent + i * step)}${seg}:${i === rest.length - 1 ? ` ${render(op.value)}` : ''}`);
        if (lastEnd !== undefined) {
          const at = content[lastEnd - 1] === '\n' ? lastEnd - 1 : lineEnd(content, lastEnd);
          edits.push({ start: at, end: at, text: `\n${lines.join('\n')}` });
        } else {
          const sep = content.length === 0 || content.endsWith('\n') ? '' : '\n';
          edits.push({ start: content.length, end: content.length, text: `${sep}${lines.join('\n')}\n` });
        }
        report.push({ ...base, to: String(op.value), outcome: 'updated', detail: 'added' });
      }
      return { edits, report };
    }
    case 'rename': {
      for (const { found } of hits) {
        const k = found!.pair.key as Scalar;
        const line = lineAt(content, k.range![0]);
        const toSegments = op.to.split('.');
        const fromSegments = op.key.split('.');
        const keySegments = found!.keyText.split('.');
        // Rename within the same parent: the last key's segments change, its parents stay.
        const sameParent = fromSegments.slice(0, -keySegments.length).join('.') === toSegments.slice(0, fromSegments.length - keySegments.length).join('.');
        if (!sameParent || toSegments.length - (fromSegments.length - keySegments.length) < 1) {
          report.push({ ...base, line, outcome: 'skipped', reason: 'unsupported-spec', detail: `cannot move ${op.key} under another parent` });
          continue;
        }
        const newKey = toSegments.slice(fromSegments.length - keySegments.length).join('.');
        edits.push({ start: k.range![0], end: k.range![1], text: render(newKey, k.type) });
        report.push({ ...base, line, from: op.key, to: op.to, outcome: 'updated' });
      }
      if (hits.length === 0) {
        const done = docs.some((d) => find(d.contents, op.to.split('.')));
        report.push({ ...base, from: op.key, to: op.to, outcome: done ? 'already-at-target' : 'not-found' });
      }
      return { edits, report };
    }
    case 'delete': {
      for (const { found } of hits) {
        const k = found!.pair.key as Scalar;
        const v = found!.pair.value as Scalar | null;
        const start = lineStart(content, k.range![0]);
        const valueEnd = v?.range?.[1] ?? k.range![1];
        const end = content[valueEnd - 1] === '\n' ? valueEnd : Math.min(content.length, lineEnd(content, valueEnd) + 1);
        edits.push({ start, end, text: '' });
        report.push({ ...base, line: lineAt(content, k.range![0]), outcome: 'updated', detail: 'deleted' });
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

function detectIndentStep(content: string): number {
  const m = /\n( +)\S/.exec(content);
  return m ? m[1]!.length : 2;
}

function parseAll(content: string, file: string): Document.Parsed[] {
  const docs: unknown = parseAllDocuments(content);
  const list = (Array.isArray(docs) ? docs : []) as Document.Parsed[];
  for (const d of list) {
    const e = d.errors[0];
    if (e) throw new RecipeInputError(e.message.split('\n')[0]!, file, e.linePos?.[0]?.line ?? lineAt(content, e.pos[0]));
  }
  return list as Document.Parsed[];
}

export function applyYaml(content: string, options: YamlOptions, ctx: RecipeContext): EditResult {
  let current = content;
  const report: ReportEntry[] = [];
  for (const op of options.operations) {
    const r = applyOperation(current, parseAll(current, ctx.path), op, ctx.path);
    report.push(...r.report);
    current = applyEdits(current, r.edits) ?? current;
  }
  return { content: current === content ? null : current, report };
}
