import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecipeInputError } from '../errors';
import { changedLines } from '../shared/changed-lines';
import { yamlRecipe } from './index';
import type { YamlOptions } from './schema';

const yml = readFileSync(join(__dirname, '__fixtures__', 'application.yml'), 'utf8');
const run = (content: string, operations: YamlOptions['operations'], path = 'src/main/resources/application.yml') =>
  yamlRecipe.apply(content, { files: '**/application*.{yml,yaml}', operations }, { path });

describe('yaml recipe', () => {
  it('sets a value in place keeping the comment and the quoting', () => {
    const { content, report } = run(yml, [{ op: 'set', key: 'server.port', value: 8081, onlyIfPresent: false }, { op: 'set', key: 'spring.datasource.url', value: 'jdbc:postgresql://db:5432/orders2', onlyIfPresent: false }]);
    expect(changedLines(yml, content!)).toEqual([3, 10]);
    expect(content).toContain('  port: 8081 # behind the ingress\n');
    expect(content).toContain('    url: "jdbc:postgresql://db:5432/orders2"\n');
    expect(report.map((r) => [r.subject, r.outcome, r.from, r.to])).toEqual([
      ['server.port', 'updated', '8080', '8081'],
      ['spring.datasource.url', 'updated', 'jdbc:postgresql://db:5432/orders', 'jdbc:postgresql://db:5432/orders2'],
    ]);
  });

  it('renames a key in every document and deletes a key with its line only', () => {
    const { content, report } = run(yml, [{ op: 'rename', key: 'rpc.client.endpoint', to: 'rpc.client.url' }, { op: 'delete', key: 'rpc.client.legacy-mode' }]);
    const expected = yml
      .replace('    endpoint: http://inventory:8080   # legacy name', '    url: http://inventory:8080   # legacy name')
      .replace('    endpoint: https://inventory.prod.internal', '    url: https://inventory.prod.internal')
      .replace('    legacy-mode: true\n', '');
    expect(content).toBe(expected);
    expect(report.map((r) => [r.outcome, r.line])).toEqual([['updated', 17], ['updated', 29], ['updated', 18]]);
  });

  it('adds a missing key under its deepest existing parent, and a dotted flat key is found', () => {
    const { content } = run(yml, [{ op: 'set', key: 'rpc.client.timeout-ms', value: 3000, onlyIfPresent: false }]);
    expect(content).toContain('    retries: 3\n    timeout-ms: 3000\n');
    const nested = run('server:\n  port: 8080\n', [{ op: 'set', key: 'rpc.client.timeout', value: '3s', onlyIfPresent: false }]);
    expect(nested.content).toBe('server:\n  port: 8080\nrpc:\n  client:\n    timeout: 3s\n');
    expect(run(yml, [{ op: 'set', key: 'management.endpoints.web.exposure.include', value: 'health', onlyIfPresent: false }]).content).toContain(
      'management.endpoints.web.exposure.include: health\n',
    );
  });

  it('does not modify what is already at target or absent, nor files outside the glob', () => {
    const ops: YamlOptions['operations'] = [{ op: 'set', key: 'server.port', value: 8080, onlyIfPresent: false }, { op: 'delete', key: 'nope' }];
    expect(run(yml, ops)).toMatchObject({ content: null, report: [{ outcome: 'already-at-target' }, { outcome: 'not-found' }] });
    expect(run(yml, [{ op: 'set', key: 'x', value: 1, onlyIfPresent: false }], '.github/workflows/ci.yml')).toEqual({ content: null, report: [] });
  });

  it('fails with INVALID_INPUT naming file and line on broken YAML', () => {
    expect(() => run('server:\n  port: 8080\n  bad: [1, 2\nother: x\n', [{ op: 'delete', key: 'x' }])).toThrow(RecipeInputError);
    expect(() => run('a: b: c\n', [{ op: 'delete', key: 'x' }])).toThrow(/^src\/main\/resources\/application.yml:1: Nested mappings/);
  });
});
