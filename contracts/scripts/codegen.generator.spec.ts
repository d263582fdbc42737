import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SchemaDefinition } from '../src/codec/schema.registry';
import { CodegenError, SCHEMAS_DIR, generate, generateFromDefinitions, loadSchemaDefinitions } from './codegen.generator';

const contractsRoot = resolve(__dirname, '..');
const repoRoot = resolve(contractsRoot, '..');
const definitions = loadSchemaDefinitions(join(contractsRoot, SCHEMAS_DIR));

type RecordSchema = { type: 'record'; name: string; namespace?: string; fields: Record<string, unknown>[] };

function latestOf(eventType: string): SchemaDefinition {
  return definitions.filter((d) => d.eventType === eventType).at(-1)!;
}

function withVersion(eventType: string, change: (schema: RecordSchema) => RecordSchema): SchemaDefinition[] {
  const latest = latestOf(eventType);
  const schema = change(structuredClone(latest.schema) as RecordSchema);
  return [...definitions, { eventType, version: latest.version + 1, schema }];
}

function fileContent(files: ReturnType<typeof generate>, suffix: string): string {
  return files.find((f) => f.path.endsWith(suffix))!.content;
}

describe('codegen', () => {
  it('is deterministic and matches the committed generated files', () => {
    const first = generate(contractsRoot);
    const second = generate(contractsRoot);
    expect(second).toEqual(first);
    expect(first.map((f) => f.path)).toEqual(['src/generated/events.generated.ts', 'src/generated/schemas.generated.ts']);
    for (const file of first) {
      expect(readFileSync(join(contractsRoot, file.path), 'utf8'), `${file.path} is stale: run npm run codegen`).toBe(file.content);
    }
  });

  it('does not depend on the order schemas are listed in', () => {
    expect(generateFromDefinitions([...definitions].reverse())).toEqual(generateFromDefinitions(definitions));
  });

  it('follows a new schema version: latest version, new optional field, embedded schema', () => {
    const files = generateFromDefinitions(
      withVersion('Notification', (s) => ({ ...s, fields: [...s.fields, { name: 'channel', type: ['null', 'string'], default: null, doc: 'Chat channel.' }] })),
    );
    const events = fileContent(files, 'events.generated.ts');
    expect(events).toContain('  Notification: 2,');
    expect(events).toMatch(/export interface Notification \{[^}]*readonly channel: string \| null;/);
    expect(events).toMatch(/export interface NotificationInput \{[^}]*readonly channel\?: string \| null;/);
    expect(fileContent(files, 'schemas.generated.ts')).toMatch(/eventType: 'Notification',\n {4}version: 2,/);
  });

  it('renders enums as string-literal unions and the ShipshapeEvent union keyed by event type', () => {
    const events = fileContent(generate(contractsRoot), 'events.generated.ts');
    expect(events).toContain("export const STEP_OUTCOME_SYMBOLS = ['SUCCEEDED', 'FAILED', 'PROGRESS', 'ABORTED'] as const;");
    expect(events).toContain('export type StepOutcome = (typeof STEP_OUTCOME_SYMBOLS)[number];');
    expect(events).toContain("import type { ErrorClass } from '../error-classes';");
    expect(events).toContain("  | { readonly eventType: 'StepResult'; readonly value: StepResult }");
    expect(events).toContain("  stepCommand: 'StepCommand',");
  });

  it('refuses a version that breaks compatibility', () => {
    const breaking = withVersion('RunEvent', (s) => ({ ...s, fields: [...s.fields, { name: 'required', type: 'string' }] }));
    expect(() => generateFromDefinitions(breaking)).toThrow(CodegenError);
    expect(() => generateFromDefinitions(breaking)).toThrow(/RunEvent v2 cannot read v1 \(backward\)/);
  });

  it('refuses shared types that differ between event types', () => {
    const conflicting = withVersion('Notification', (s) => ({
      ...s,
      fields: s.fields.map((f) =>
        f['name'] === 'links'
          ? {
              ...f,
              type: {
                type: 'array',
                items: {
                  type: 'record',
                  name: 'Link',
                  fields: [
                    { name: 'label', type: 'string' },
                    { name: 'url', type: 'string' },
                    { name: 'title', type: ['null', 'string'], default: null },
                  ],
                },
              },
            }
          : f,
      ),
    }));
    expect(() => generateFromDefinitions(conflicting)).toThrow(/io\.shipshape\.events\.Link is defined differently/);
  });

  it('refuses an ErrorClass enum that differs from ERROR_CLASSES', () => {
    const drifted = withVersion('StepResult', (s) => {
      const fields = structuredClone(s.fields);
      const errorClass = fields.find((f) => f['name'] === 'errorClass')!;
      const branches = errorClass['type'] as [string, { symbols: string[] }];
      branches[1].symbols = [...branches[1].symbols, 'COSMIC_RAY'];
      return { ...s, fields: [...fields, { name: 'note', type: ['null', 'string'], default: null }] };
    });
    expect(() => generateFromDefinitions(drifted)).toThrow(/ErrorClass symbols .* in StepResult\/v4.avsc differ from ErrorClass in \.\.\/error-classes\.ts/);
  });
});

describe('codegen CLI --check', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'shipshape-codegen-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  cpSync(join(contractsRoot, 'schemas'), join(tmp, 'schemas'), { recursive: true });
  cpSync(join(contractsRoot, 'src/generated'), join(tmp, 'src/generated'), { recursive: true });

  const run = (...args: string[]) =>
    spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [join(contractsRoot, 'scripts/codegen.ts'), ...args, '--root', tmp], {
      cwd: repoRoot,
      encoding: 'utf8',
    });

  it('passes on fresh output, fails naming the stale file, and codegen repairs it', { timeout: 60_000 }, () => {
    const fresh = run('--check');
    expect(fresh.stderr).toBe('');
    expect(fresh.status).toBe(0);

    const target = join(tmp, 'src/generated/events.generated.ts');
    writeFileSync(target, readFileSync(target, 'utf8').replace('readonly stepId: string;', 'readonly stepId: number;'));
    const stale = run('--check');
    expect(stale.status).not.toBe(0);
    expect(stale.stderr).toMatch(/events\.generated\.ts is stale/);
    expect(stale.stderr).not.toMatch(/schemas\.generated\.ts/);

    const repaired = run();
    expect(repaired.status).toBe(0);
    expect(run('--check').status).toBe(0);
  });
});
