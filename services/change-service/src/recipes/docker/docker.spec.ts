import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedLines } from '../shared/changed-lines';
import { dockerRecipe } from './index';
import { isDockerfile } from './update';

const dockerfile = readFileSync(join(__dirname, '__fixtures__', 'Dockerfile'), 'utf8');
const run = (content: string, image: string, toTag: string) => dockerRecipe.apply(content, { image, toTag }, { path: 'Dockerfile' });

describe('docker recipe', () => {
  it('sets the base image tag on the FROM line only, keeping --platform and the stage name', () => {
    const { content, report } = run(dockerfile, 'eclipse-temurin', '21.0.3_9-jre');
    expect(changedLines(dockerfile, content!)).toEqual([11]);
    expect(content!.split('\n')[10]).toBe('FROM --platform=linux/amd64 eclipse-temurin:21.0.3_9-jre AS runtime');
    expect(report).toEqual([expect.objectContaining({ outcome: 'updated', from: '17.0.10_7-jre', line: 11 })]);
  });

  it('does not modify what is at target, pinned, from a build argument or absent', () => {
    const once = run(dockerfile, 'eclipse-temurin', '21-jre').content!;
    expect(run(once, 'eclipse-temurin', '21-jre')).toMatchObject({ content: null, report: [{ outcome: 'already-at-target' }] });
    expect(run('FROM eclipse-temurin:17@sha256:abc\n', 'eclipse-temurin', '21')).toMatchObject({ content: null, report: [{ outcome: 'skipped', reason: 'unsupported-spec' }] });
    expect(run(dockerfile, 'maven', '3.9.6')).toMatchObject({ content: null, report: [{ outcome: 'not-found' }] });
  });

  it('knows Dockerfile names', () => {
    expect(['Dockerfile', 'svc/Dockerfile.prod', 'api.Dockerfile', 'Containerfile'].every(isDockerfile)).toBe(true);
    expect(isDockerfile('docs/Dockerfile.md.txt/x')).toBe(false);
  });
});
