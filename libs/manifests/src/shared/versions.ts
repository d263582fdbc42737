/**
 * Loose version ordering for Maven/npm style versions: numeric segments compare as numbers, a
 * qualifier (`-SNAPSHOT`, `-rc1`, `.Beta`) sorts before the release it qualifies.
 */
export function compareVersions(a: string, b: string): number {
  const pa = split(a);
  const pb = split(b);
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return typeof y === 'number' ? (y === 0 ? 0 : -1) : 1;
    if (y === undefined) return typeof x === 'number' ? (x === 0 ? 0 : 1) : -1;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return 1; // release > qualifier
    if (typeof y === 'number') return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function split(v: string): (number | string)[] {
  return v
    .toLowerCase()
    .split(/[.\-+_]/)
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/^(final|ga|release)$/, '')))
    .filter((s) => s !== '');
}

/** A Maven version range such as `[1.0,2.0)` or a list of versions. */
export function isMavenRange(v: string): boolean {
  return /^[[(]/.test(v) || v.includes(',');
}
