import { compareVersions } from './versions';

type Op = '>=' | '>' | '<=' | '<' | '=';
interface Comparator {
  readonly op: Op;
  readonly version: string;
}
/** Alternatives (any may match), each a set of comparators that must all hold. */
export type VersionRange = readonly (readonly Comparator[])[];

const VERSION = /^v?(\d+(?:[.\-+_][0-9A-Za-z]+)*)$/;

function bump(parts: number[], index: number): string {
  const out = parts.slice(0, index + 1);
  out[index] = (out[index] ?? 0) + 1;
  return out.join('.');
}

/** `1.x`, `1.2.*`, `1`: every version with that prefix. */
function wildcard(text: string): Comparator[] | null {
  const m = /^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(text);
  if (!m) return null;
  const fixed = [m[1], m[2], m[3]].filter((p): p is string => p !== undefined);
  const firstWild = fixed.findIndex((p) => !/^\d+$/.test(p));
  const numbers = (firstWild === -1 ? fixed : fixed.slice(0, firstWild)).map(Number);
  if (firstWild === -1 && fixed.length === 3) return [{ op: '=', version: fixed.join('.') }];
  if (firstWild !== -1 && fixed.slice(firstWild).some((p) => /^\d+$/.test(p))) return null; // 1.x.3
  return [
    { op: '>=', version: numbers.join('.') },
    { op: '<', version: bump(numbers, numbers.length - 1) },
  ];
}

function comparators(token: string): Comparator[] | null {
  if (token === '*' || token === 'x' || token === 'X') return [];
  const op = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(token)!;
  const [, sign, rest = ''] = op;
  if (sign === '^' || sign === '~') {
    const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+][0-9A-Za-z.-]+)?$/.exec(rest);
    if (!m) return null;
    const nums = [m[1], m[2], m[3]].filter((p): p is string => p !== undefined).map(Number);
    // ^: the left-most non-zero part stays; ~: the minor stays (the major when only it is given).
    const keep = sign === '^' ? Math.max(0, Math.min(nums.findIndex((n) => n !== 0) === -1 ? nums.length - 1 : nums.findIndex((n) => n !== 0), nums.length - 1)) : Math.min(1, nums.length - 1);
    return [
      { op: '>=', version: rest.replace(/^v/, '') },
      { op: '<', version: bump(nums, keep) },
    ];
  }
  if (sign === undefined || sign === '=') {
    const w = wildcard(rest);
    if (w) return w;
  }
  if (!VERSION.test(rest) || /(^|\.)[xX*](\.|$)/.test(rest)) return null; // 1.x.3 is no version
  return [{ op: (sign ?? '=') as Op, version: rest.replace(/^v/, '') }];
}

/** A Maven range list: `[1.0,2.0)`, `(,1.5]`, `[2.0,)`, `[1.2]`, several joined by commas. */
function mavenRange(text: string): VersionRange | null {
  const sets: Comparator[][] = [];
  const re = /([[(])\s*([^,\])]*?)\s*(?:,\s*([^\])]*?)\s*)?([\])])\s*,?\s*/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text)) !== null) {
    consumed = re.lastIndex;
    const [whole, open, low = '', high, close] = m;
    if (whole === '') break;
    if (high === undefined) {
      if (open !== '[' || close !== ']' || !VERSION.test(low)) return null; // [1.2]: exactly
      sets.push([{ op: '=', version: low }]);
      continue;
    }
    const set: Comparator[] = [];
    if (low !== '') {
      if (!VERSION.test(low)) return null;
      set.push({ op: open === '[' ? '>=' : '>', version: low });
    }
    if (high !== '') {
      if (!VERSION.test(high)) return null;
      set.push({ op: close === ']' ? '<=' : '<', version: high });
    }
    sets.push(set);
  }
  return consumed === text.length && sets.length > 0 ? sets : null;
}

/**
 * Parses a task's source version range: npm/semver style (`>=1.0 <2.0`, `1.x`, `^1.2`, `~1.2.3`,
 * `1.0 - 1.9`, alternatives joined by `||`, `*`) or a Maven range (`[1.0,2.0)`). Null when it is not one.
 */
export function parseVersionRange(range: string): VersionRange | null {
  const text = range.trim();
  if (text === '') return null;
  if (/^[[(]/.test(text)) return mavenRange(text);
  const out: Comparator[][] = [];
  for (const alternative of text.split('||').map((a) => a.trim())) {
    if (alternative === '') return null;
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(alternative);
    if (hyphen) {
      if (!VERSION.test(hyphen[1]!) || !VERSION.test(hyphen[2]!)) return null;
      out.push([
        { op: '>=', version: hyphen[1]! },
        { op: '<=', version: hyphen[2]! },
      ]);
      continue;
    }
    const set: Comparator[] = [];
    // `>= 1.0` is `>=1.0`
    for (const token of alternative.replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/)) {
      const c = comparators(token);
      if (c === null) return null;
      set.push(...c);
    }
    out.push(set);
  }
  return out;
}

function holds(version: string, c: Comparator): boolean {
  const cmp = compareVersions(version, c.version);
  switch (c.op) {
    case '>=':
      return cmp >= 0;
    case '>':
      return cmp > 0;
    case '<=':
      return cmp <= 0;
    case '<':
      return cmp < 0;
    case '=':
      return cmp === 0;
    default: {
      const never: never = c.op;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

/** Whether a concrete version lies in a range (see parseVersionRange); false for a range that does not parse. */
export function versionInRange(version: string, range: string | VersionRange): boolean {
  const parsed = typeof range === 'string' ? parseVersionRange(range) : range;
  if (parsed === null) return false;
  return parsed.some((set) => set.every((c) => holds(version, c)));
}
