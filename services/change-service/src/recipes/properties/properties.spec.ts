import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedLines } from '../shared/changed-lines';
import { propertiesRecipe } from './index';
import type { PropertiesOptions } from './schema';
import { parseProperties } from './update';

const props = readFileSync(join(__dirname, '__fixtures__', 'application.properties'), 'utf8');
const run = (content: string, operations: PropertiesOptions['operations']) =>
  propertiesRecipe.apply(content, { files: '**/*.properties', operations }, { path: 'src/main/resources/application.properties' });

describe('properties recipe', () => {
  it('reads keys, separators and continued values like java.util.Properties', () => {
    expect(parseProperties(props).map((e) => [e.key, e.value, e.line])).toEqual([
      ['server.port', '8080', 2],
      ['spring.datasource.url', 'jdbc:postgresql://db:5432/orders', 3],
      ['spring.datasource.username', 'orders', 4],
      ['rpc.client.endpoint', 'http://inventory:8080', 7],
      ['rpc.client.legacy-mode', 'true', 8],
      ['rpc.client.allowed-hosts', 'inventory,inventory-canary', 9],
    ]);
  });

  it('sets, renames and deletes keeping comments and separators', () => {
    const { content, report } = run(props, [
      { op: 'set', key: 'spring.datasource.url', value: 'jdbc:postgresql://db:5432/orders2', onlyIfPresent: false },
      { op: 'rename', key: 'rpc.client.endpoint', to: 'rpc.client.url' },
    ]);
    expect(changedLines(props, content!)).toEqual([3, 7]);
    expect(content).toContain('spring.datasource.url = jdbc:postgresql://db:5432/orders2\n');
    expect(content).toContain('rpc.client.url=http://inventory:8080\n');
    expect(report.map((r) => r.outcome)).toEqual(['updated', 'updated']);
    const deleted = run(props, [{ op: 'delete', key: 'rpc.client.allowed-hosts' }, { op: 'delete', key: 'rpc.client.legacy-mode' }]);
    expect(deleted.content).toBe(props.replace('rpc.client.legacy-mode=true\nrpc.client.allowed-hosts=inventory,\\\n    inventory-canary\n', ''));
    expect(run(props, [{ op: 'set', key: 'rpc.client.timeout-ms', value: 3000, onlyIfPresent: false }]).content).toBe(`${props}rpc.client.timeout-ms=3000\n`);
  });

  it('does not modify what is already at target or absent', () => {
    expect(run(props, [{ op: 'set', key: 'server.port', value: 8080, onlyIfPresent: false }, { op: 'set', key: 'x.y', value: 1, onlyIfPresent: true }])).toMatchObject({
      content: null,
      report: [{ outcome: 'already-at-target' }, { outcome: 'not-found' }],
    });
  });
});
