import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShipshapeError } from '@shipshape/contracts';
import type { ReportEntry } from '../recipe';
import type { OpenRewriteOptions } from './schema';

/** Runs the Maven rewrite plugin in a checkout; injectable so unit tests stay offline. */
export type RewriteRunner = (root: string, args: readonly string[]) => Promise<void>;

export class RewriteFailedError extends ShipshapeError {
  constructor(message: string, readonly unresolved: boolean) {
    super('CHANGE.RECIPE_FAILED', message, { details: { tool: 'rewrite-maven-plugin', unresolved } });
  }
}

export const mavenRewriteRunner: RewriteRunner = (root, args) =>
  new Promise((resolve, reject) => {
    execFile('mvn', ['-B', '-q', ...args], { cwd: root, timeout: 900_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const out = `${stdout}\n${stderr}`;
      const errors = out.split('\n').filter((l) => l.includes('[ERROR]')).slice(0, 5).join(' | ').replace(/\u001b\[[0-9;]*m/g, '');
      reject(new RewriteFailedError(`rewrite-maven-plugin failed: ${errors || err.message}`.slice(0, 1500), /Could not (resolve|find artifact|transfer)|Non-resolvable/.test(out)));
    });
  });

export function rewriteArgs(o: OpenRewriteOptions, configLocation: string | undefined): string[] {
  return [
    `org.openrewrite.maven:rewrite-maven-plugin:${o.pluginVersion}:run`,
    `-Drewrite.activeRecipes=${o.recipe}`,
    ...(o.recipeArtifactCoordinates ? [`-Drewrite.recipeArtifactCoordinates=${o.recipeArtifactCoordinates}`] : []),
    ...(configLocation ? [`-Drewrite.configLocation=${configLocation}`] : []),
    '-Drewrite.exportDatatables=false',
  ];
}

/** Runs the recipe over the checkout; which files changed is read back by the runner. */
export async function runOpenRewrite(root: string, o: OpenRewriteOptions, runner: RewriteRunner): Promise<readonly ReportEntry[]> {
  if (!existsSync(join(root, 'pom.xml'))) {
    return [{ file: '*', subject: o.recipe, outcome: 'not-found', detail: 'no pom.xml at the root: the Maven rewrite plugin cannot run' }];
  }
  const dir = o.rewriteYaml ? await mkdtemp(join(tmpdir(), 'shipshape-rewrite-')) : undefined;
  try {
    const config = dir ? join(dir, 'rewrite.yml') : undefined;
    if (config) await writeFile(config, o.rewriteYaml!);
    await runner(root, rewriteArgs(o, config));
    return [];
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
