/** One sample line of the Prometheus text exposition format. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseLabels(text: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let consumed = 0;
  for (let m = LABEL.exec(text); m !== null; m = LABEL.exec(text)) {
    labels[m[1] as string] = unescape(m[2] as string);
    consumed = LABEL.lastIndex;
  }
  return text.slice(consumed).trim() === '' ? labels : null;
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    default:
      return Number(text);
  }
}

/** Parses Prometheus text (version 0.0.4): comments and lines it cannot read are skipped. */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m === null) continue;
    const labels = m[3] === undefined ? {} : parseLabels(m[3]);
    const value = parseValue(m[4] as string);
    if (labels === null || Number.isNaN(value)) continue;
    samples.push({ name: m[1] as string, labels, value });
  }
  return samples;
}

/** A metric selector: a name with optional label matchers, `http_requests_total{status="500"}`. */
export interface MetricSelector {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function parseSelector(selector: string): MetricSelector | null {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?$/.exec(selector.trim());
  if (m === null) return null;
  const labels = m[3] === undefined ? {} : parseLabels(m[3]);
  return labels === null ? null : { name: m[1] as string, labels };
}

/** Sum of every series matching the selector; null when none matches (the metric is not exposed). */
export function sumOf(samples: readonly PromSample[], selector: MetricSelector): number | null {
  let found = false;
  let sum = 0;
  for (const s of samples) {
    if (s.name !== selector.name) continue;
    if (!Object.entries(selector.labels).every(([k, v]) => s.labels[k] === v)) continue;
    found = true;
    sum += s.value;
  }
  return found ? sum : null;
}
