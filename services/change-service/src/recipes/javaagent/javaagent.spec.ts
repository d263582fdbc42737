import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedLines } from '../shared/changed-lines';
import { javaagentRecipe } from './index';
import type { JavaagentOptions } from './schema';

const read = (p: string) => readFileSync(join(__dirname, '__fixtures__', p), 'utf8');
const options: JavaagentOptions = { agent: 'opentelemetry-javaagent', toVersion: '2.4.0', versionVariables: ['OTEL_AGENT_VERSION', 'otelAgentVersion'] };
const run = (path: string, content = read(path), o = options) => javaagentRecipe.apply(content, o, { path });

describe('javaagent recipe', () => {
  it('sets the version in Dockerfile ARG, leaving the ${} reference alone', () => {
    const { content, report } = run('Dockerfile');
    expect(changedLines(read('Dockerfile'), content!)).toEqual([2]);
    expect(content).toContain('ARG OTEL_AGENT_VERSION=2.4.0\n');
    expect(report).toEqual([expect.objectContaining({ outcome: 'updated', from: '1.32.0', detail: 'OTEL_AGENT_VERSION' })]);
  });

  it('sets values keys, env entries, jar names and download paths in deployment values', () => {
    const { content, report } = run('values.yaml');
    expect(changedLines(read('values.yaml'), content!)).toEqual([5, 8, 10, 13]);
    expect(content).toContain('otelAgentVersion: "2.4.0"');
    expect(content).toContain('opentelemetry-javaagent/2.4.0/opentelemetry-javaagent-2.4.0.jar');
    expect(content).toContain('tag: 1.4.0'); // the app's own version is not the agent's
    expect(report.filter((r) => r.outcome === 'updated')).toHaveLength(5);
  });

  it('sets the jar in JVM options files; does not modify twice or without the agent', () => {
    const { content } = run('jvm.options');
    expect(changedLines(read('jvm.options'), content!)).toEqual([3]);
    expect(run('jvm.options', content!).content).toBeNull();
    expect(run('jvm.options', read('jvm.options'), { ...options, agent: 'skywalking-agent' })).toMatchObject({ content: null, report: [{ outcome: 'not-found' }] });
  });
});
