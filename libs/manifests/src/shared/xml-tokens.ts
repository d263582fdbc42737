import { ManifestInputError, lineAt } from '../errors';

/**
 * A positional XML tree: every element knows where its tags start and end in the original text, so
 * edits replace exact character ranges and the rest of the file keeps its bytes (no DOM
 * re-serialisation, which would reflow whitespace, attribute quotes and comments).
 */
export interface XmlElement {
  readonly name: string;
  /** Offset of `<`. */
  readonly start: number;
  /** Offset just after the open tag's `>`. */
  openEnd: number;
  /** Offset of `</` (equals openEnd for `<x/>`). */
  closeStart: number;
  /** Offset just after the close tag. */
  end: number;
  readonly children: XmlElement[];
  readonly parent: XmlElement | null;
}

export interface XmlDocument {
  readonly root: XmlElement;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*/;

export function parseXml(content: string, file: string): XmlDocument {
  const fail = (message: string, at: number): never => {
    throw new ManifestInputError(message, file, lineAt(content, at));
  };
  const top: XmlElement = { name: '#document', start: 0, openEnd: 0, closeStart: content.length, end: content.length, children: [], parent: null };
  let current = top;
  let i = 0;
  while (i < content.length) {
    const lt = content.indexOf('<', i);
    if (lt < 0) break;
    if (content.startsWith('<!--', lt)) {
      const close = content.indexOf('-->', lt + 4);
      if (close < 0) fail('unterminated comment', lt);
      i = close + 3;
    } else if (content.startsWith('<![CDATA[', lt)) {
      const close = content.indexOf(']]>', lt + 9);
      if (close < 0) fail('unterminated CDATA section', lt);
      i = close + 3;
    } else if (content.startsWith('<?', lt)) {
      const close = content.indexOf('?>', lt + 2);
      if (close < 0) fail('unterminated processing instruction', lt);
      i = close + 2;
    } else if (content.startsWith('<!', lt)) {
      const close = content.indexOf('>', lt + 2);
      if (close < 0) fail('unterminated declaration', lt);
      i = close + 1;
    } else if (content.startsWith('</', lt)) {
      const name = NAME.exec(content.slice(lt + 2, lt + 2 + 200))?.[0];
      const gt = content.indexOf('>', lt);
      if (!name || gt < 0) fail('malformed closing tag', lt);
      if (current === top) fail(`closing tag </${name}> without an open element`, lt);
      if (current.name !== name) fail(`closing tag </${name}> does not match <${current.name}>`, lt);
      current.closeStart = lt;
      current.end = gt + 1;
      current = current.parent ?? top;
      i = gt + 1;
    } else {
      const name = NAME.exec(content.slice(lt + 1, lt + 1 + 200))?.[0];
      if (!name) fail('malformed tag', lt);
      let j = lt + 1 + name!.length;
      let quote = '';
      for (; j < content.length; j++) {
        const c = content[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
        else if (c === '<') fail(`unterminated tag <${name}>`, lt);
      }
      if (j >= content.length) fail(`unterminated tag <${name}>`, lt);
      const selfClosing = content[j - 1] === '/';
      const el: XmlElement = { name: name!, start: lt, openEnd: j + 1, closeStart: j + 1, end: j + 1, children: [], parent: current };
      current.children.push(el);
      if (!selfClosing) {
        el.end = -1;
        current = el;
      }
      i = j + 1;
    }
  }
  if (current !== top) fail(`element <${current.name}> is never closed`, current.start);
  const roots = top.children;
  if (roots.length !== 1) fail(roots.length === 0 ? 'no root element' : 'more than one root element', roots[1]?.start ?? 0);
  return { root: roots[0]! };
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The trimmed text of a leaf element and the exact range it occupies (for a positional edit). */
export interface XmlText {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export function textOf(content: string, el: XmlElement | undefined): XmlText | undefined {
  if (!el || el.children.length > 0) return undefined;
  const raw = content.slice(el.openEnd, el.closeStart);
  if (raw.includes('<')) return undefined; // comments or CDATA inside: not a plain value
  const lead = raw.length - raw.trimStart().length;
  const value = raw.trim();
  return { value, start: el.openEnd + lead, end: el.openEnd + lead + value.length };
}
