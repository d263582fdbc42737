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

/**
 * A histogram's cumulative bucket counts by upper bound (`le`), summed over every series of
 * `<name>_bucket` matching the selector's labels; null when the metric has no buckets (not a histogram).
 */
export function bucketsOf(samples: readonly PromSample[], selector: MetricSelector): Record<string, number> | null {
  const name = `${selector.name}_bucket`;
  const buckets: Record<string, number> = {};
  let found = false;
  for (const s of samples) {
    if (s.name !== name || s.labels['le'] === undefined) continue;
    if (!Object.entries(selector.labels).every(([k, v]) => s.labels[k] === v)) continue;
    found = true;
    const le = String(parseValue(s.labels['le']));
    buckets[le] = (buckets[le] ?? 0) + s.value;
  }
  return found ? buckets : null;
}

/**
 * The q-quantile of a histogram given as cumulative counts by upper bound, the way Prometheus'
 * histogram_quantile does it: linear interpolation inside the bucket the rank falls in (from 0 for the
 * first bucket); a rank in the +Inf bucket gives the highest finite bound. null without observations.
 */
export function histogramQuantile(q: number, buckets: Readonly<Record<string, number>>): number | null {
  const sorted = Object.entries(buckets)
    .map(([le, count]) => ({ le: parseValue(le), count }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (sorted.length === 0 || total <= 0 || sorted.at(-1)?.le !== Number.POSITIVE_INFINITY) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Number.POSITIVE_INFINITY) return sorted.length > 1 ? (sorted.at(-2)?.le ?? null) : null;
      if (b.count === lowerCount) return b.le;
      return lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / (b.count - lowerCount);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return null;
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
