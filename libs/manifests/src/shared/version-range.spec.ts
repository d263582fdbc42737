import { describe, expect, it } from 'vitest';
import { parseVersionRange, versionInRange } from './version-range';

describe('versionInRange', () => {
  it.each([
    ['>=1.0 <2.0', '1.0', true],
    ['>=1.0 <2.0', '1.4.2', true],
    ['>=1.0 <2.0', '2.0.0', false],
    ['>=1.0 <2.0', '0.9', false],
    ['>= 1.0 < 2.0', '1.9.9', true],
    ['>=1.0 <2.0', '1.9.9-SNAPSHOT', true],
    ['1.x', '1.7.3', true],
    ['1.x', '2.0.0', false],
    ['1.2.*', '1.2.9', true],
    ['1.2.*', '1.3.0', false],
    ['1', '1.99', true],
    ['^1.2.3', '1.9.0', true],
    ['^1.2.3', '2.0.0', false],
    ['^1.2.3', '1.2.2', false],
    ['^0.2.3', '0.3.0', false],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['1.0 - 1.5', '1.5', true],
    ['1.0 - 1.5', '1.5.1', false],
    ['<1.0 || >=3.0', '3.1', true],
    ['<1.0 || >=3.0', '2.0', false],
    ['1.4.2', '1.4.2', true],
    ['1.4.2', '1.4.3', false],
    ['*', '0.0.1', true],
    ['[1.0,2.0)', '1.9', true],
    ['[1.0,2.0)', '2.0', false],
    ['(1.0,2.0]', '1.0', false],
    ['(1.0,2.0]', '2.0', true],
    ['(,1.5]', '0.1', true],
    ['[2.0,)', '17', true],
    ['[1.2]', '1.2', true],
    ['[1.0,1.5),[2.0,)', '1.7', false],
    ['[1.0,1.5),[2.0,)', '2.1', true],
    ['>=8 <17', '11', true],
    ['>=8 <17', '17', false],
  ])('%s contains %s: %s', (range, version, expected) => {
    expect(versionInRange(version, range)).toBe(expected);
  });

  it.each(['', 'latest', '>=', '>=1.0 <', '1.x.3', '[1.0,2.0', '[a,b)', '|| 1.0', '>=1.0 foo'])('does not parse %j', (range) => {
    expect(parseVersionRange(range)).toBeNull();
    expect(versionInRange('1.0', range)).toBe(false);
  });
});
