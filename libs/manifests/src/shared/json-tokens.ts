import { ManifestInputError, lineAt } from '../errors';

/** A JSON value with the exact character range it occupies (strings include their quotes). */
export type JsonNode =
  | { readonly type: 'object'; readonly start: number; readonly end: number; readonly entries: readonly JsonEntry[] }
  | { readonly type: 'array'; readonly start: number; readonly end: number; readonly items: readonly JsonNode[] }
  | { readonly type: 'string'; readonly start: number; readonly end: number; readonly value: string }
  | { readonly type: 'literal'; readonly start: number; readonly end: number; readonly raw: string };

export interface JsonEntry {
  readonly key: string;
  readonly keyStart: number;
  readonly value: JsonNode;
}

/** Parses JSON keeping positions, so an edit replaces one string token and nothing else. */
export function parseJson(content: string, file: string): JsonNode {
  let i = 0;
  const fail = (message: string): never => {
    throw new ManifestInputError(message, file, lineAt(content, i));
  };
  const ws = () => {
    while (i < content.length && ' \t\r\n\uFEFF'.includes(content[i]!)) i++;
  };
  const str = (): { value: string; start: number; end: number } => {
    const start = i;
    if (content[i] !== '"') fail('expected a string');
    i++;
    while (i < content.length && content[i] !== '"') {
      if (content[i] === '\\') i++;
      if (content[i] === '\n') fail('unterminated string');
      i++;
    }
    if (i >= content.length) fail('unterminated string');
    i++;
    return { value: JSON.parse(content.slice(start, i)) as string, start, end: i };
  };
  const value = (): JsonNode => {
    ws();
    const start = i;
    const c = content[i];
    if (c === '{') {
      i++;
      const entries: JsonEntry[] = [];
      ws();
      if (content[i] === '}') return { type: 'object', start, end: ++i, entries };
      for (;;) {
        ws();
        const k = str();
        ws();
        if (content[i] !== ':') fail(`expected ':' after "${k.value}"`);
        i++;
        entries.push({ key: k.value, keyStart: k.start, value: value() });
        ws();
        if (content[i] === ',') {
          i++;
          continue;
        }
        if (content[i] === '}') return { type: 'object', start, end: ++i, entries };
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (content[i] === ']') return { type: 'array', start, end: ++i, items };
      for (;;) {
        items.push(value());
        ws();
        if (content[i] === ',') {
          i++;
          continue;
        }
        if (content[i] === ']') return { type: 'array', start, end: ++i, items };
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { type: 'string', ...str() };
    const m = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(content.slice(i, i + 64));
    if (!m) fail('unexpected token');
    i += m![0].length;
    return { type: 'literal', start, end: i, raw: m![0] };
  };
  const root = value();
  ws();
  if (i < content.length) fail('unexpected content after the JSON value');
  return root;
}

export function member(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return node?.type === 'object' ? node.entries.find((e) => e.key === key)?.value : undefined;
}
