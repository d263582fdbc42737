/** A replacement of the characters [start, end) by `text`. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Applies non-overlapping edits; returns null when the result equals the input. */
export function applyEdits(content: string, edits: readonly TextEdit[]): string | null {
  if (edits.length === 0) return null;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new Error(`overlapping edits at ${e.start}`);
    out += content.slice(at, e.start) + e.text;
    at = e.end;
  }
  out += content.slice(at);
  return out === content ? null : out;
}
