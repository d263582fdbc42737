import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecipeInputError } from '../errors';
import { changedLines } from '../shared/changed-lines';
import { npmRecipe } from './index';

const pkg = readFileSync(join(__dirname, '__fixtures__', 'package.json'), 'utf8');
const run = (content: string, packageName: string, toVersion: string) =>
  npmRecipe.apply(content, { packageName, toVersion, updateLockfile: false }, { path: 'package.json' });

describe('npm recipe', () => {
  it('updates dependencies and overrides, keeping the range prefix and the formatting', () => {
    const { content, report } = run(pkg, 'lodash', '4.17.21');
    expect(changedLines(pkg, content!)).toEqual([12, 21, 23]);
    expect(content).toBe(pkg.replaceAll('"lodash": "4.17.20"', '"lodash": "4.17.21"'));
    expect(report.map((r) => [r.outcome, r.detail])).toEqual([
      ['updated', 'dependencies'],
      ['updated', 'overrides (top level)'],
      ['updated', 'overrides webpack'],
    ]);
    const caret = run(pkg, '@acme/rpc-client', '2.0.0');
    expect(changedLines(pkg, caret.content!)).toEqual([10]);
    expect(caret.content).toContain('"@acme/rpc-client": "^2.0.0",');
    const oddSpacing = run(pkg, 'express', '4.19.2');
    expect(oddSpacing.content).toContain('"express":   "~4.19.2",');
    expect(changedLines(pkg, run(pkg, 'webpack', '5.90.0').content!)).toEqual([18]);
  });

  it('skips ranges and other protocols with typed reasons', () => {
    expect(run(pkg, 'left-pad', '1.3.0').report[0]).toMatchObject({ outcome: 'skipped', reason: 'version-range' });
    expect(run(pkg, 'local-utils', '1.0.0').report[0]).toMatchObject({ outcome: 'skipped', reason: 'unsupported-spec' });
    expect(run(pkg, 'jest', '28.0.0').report[0]).toMatchObject({ outcome: 'skipped', reason: 'newer-than-target' });
  });

  it('does not modify a package.json that is at the target or does not use the package', () => {
    const once = run(pkg, 'lodash', '4.17.21').content!;
    expect(run(once, 'lodash', '4.17.21').content).toBeNull();
    expect(run(once, 'lodash', '4.17.21').report.every((r) => r.outcome === 'already-at-target')).toBe(true);
    expect(run(pkg, 'react', '18.3.1')).toEqual({ content: null, report: [{ file: 'package.json', subject: 'react', outcome: 'not-found' }] });
  });

  it('fails with INVALID_INPUT naming file and line on broken JSON', () => {
    expect(() => run(pkg.replace('"jest": "^29.7.0",', '"jest": "^29.7.0",,'), 'lodash', '4.17.21')).toThrow(
      new RecipeInputError("expected a string", 'package.json', 17),
    );
  });
});
