import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateRules } from '../runner';
import { textRecipe } from './index';
import type { TextOptions } from './schema';

const backend = readFileSync(join(__dirname, '__fixtures__', 'backend.js'), 'utf8');
const OPTIONS: TextOptions = { files: 'lib/**/*.js', replacements: [{ from: '.call(', to: '.invoke(' }], ifContains: '@acme/rpc-client' };

describe('text recipe', () => {
  it('replaces every occurrence in the selected files and reports line and count', () => {
    const { content, report } = textRecipe.apply(backend, OPTIONS, { path: 'lib/backend.js' });
    expect(content).toBe(backend.split('.call(').join('.invoke('));
    expect(report).toEqual([{ file: 'lib/backend.js', subject: '.call(', outcome: 'updated', line: 7, from: '.call(', to: '.invoke(', detail: '3 occurrence(s)' }]);
    expect(textRecipe.apply(content!, OPTIONS, { path: 'lib/backend.js' })).toEqual({ content: null, report: [] });
  });

  it('leaves files outside the glob or without the module alone', () => {
    expect(textRecipe.apply(backend, OPTIONS, { path: 'test/backend.js' })).toEqual({ content: null, report: [] });
    expect(textRecipe.apply(backend, { ...OPTIONS, ifContains: '@other/module' }, { path: 'lib/backend.js' })).toEqual({ content: null, report: [] });
  });

  it('refuses a replacement a second run would apply again, naming the field', () => {
    expect(() => validateRules([{ recipe: 'text', options: { files: '**/*.js', replacements: [{ from: 'call', to: 'recall' }] } }])).toThrow(/replacements\.0\.to/);
  });
});
