import { defineRecipe, type Recipe } from '../recipe';
import { NPM_OPTION_DOCS, npmOptionsSchema, type NpmOptions } from './schema';
import { applyNpm, isPackageJson, npmLockfileUpdater, updateLockfiles, type LockfileUpdater } from './update';

/** The npm recipe with the lockfile step injected (tests pass their own or none). */
export function createNpmRecipe(lockfileUpdater: LockfileUpdater = npmLockfileUpdater): Recipe<NpmOptions> {
  return defineRecipe<NpmOptions>({
    name: 'shipshape.npm.upgrade-dependency',
    kind: 'npm',
    displayName: 'Upgrade an npm dependency',
    description:
      'Sets the version of a package in package.json dependencies, devDependencies, optionalDependencies and overrides, ' +
      'keeping the file formatting and the ^/~ prefix; then brings package-lock.json in line when there is one.',
    options: npmOptionsSchema,
    optionDocs: NPM_OPTION_DOCS,
    example: { packageName: 'lodash', toVersion: '4.17.21', updateLockfile: true },
    matches: isPackageJson,
    apply: applyNpm,
    afterWrite: (ctx) => updateLockfiles(ctx, lockfileUpdater),
  });
}

export const npmRecipe = createNpmRecipe();
export type { LockfileUpdater };
