import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isShipshapeError } from '@shipshape/contracts';
import { isAgentCandidate, extractJavaAgents } from '../agents/java-agent.extractor';
import { extractDockerfile } from '../docker/dockerfile-extractor';
import { ManifestInputError } from '../errors';
import { extractGradle } from '../gradle/gradle-extractor';
import { JDK_VERSION_FILES, extractJdkVersionFile } from '../jdk/jdk-files.extractor';
import { extractMaven } from '../maven/maven-extractor';
import type { ComponentDeclaration, ExtractionResult, FileTree, ManifestError } from '../model';
import { extractNpm } from '../npm/npm-extractor';

/** Directories never scanned: VCS data, dependencies and build output. */
export const SKIPPED_DIRECTORIES = new Set(['.git', 'node_modules', 'target', 'build', 'dist', '.gradle', '.idea', '.mvn-cache', 'out', 'bin']);

/** A FileTree over a directory on disk (files read lazily). */
export function directoryTree(root: string): FileTree {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(e.name)) walk(path);
      } else if (e.isFile()) files.push(path);
    }
  };
  walk('');
  files.sort();
  return { files, read: (path) => readFileSync(join(root, path), 'utf8') };
}

/** A FileTree over in-memory contents (tests, archives). */
export function memoryTree(contents: Readonly<Record<string, string>>): FileTree {
  const files = Object.keys(contents).sort();
  return {
    files,
    read: (path) => {
      const c = contents[path];
      if (c === undefined) throw new Error(`no such file: ${path}`);
      return c;
    },
  };
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Whether an extractor reads this path (lets a caller fetch only these files, e.g. from a git object store). */
export function isManifestCandidate(path: string): boolean {
  if (path.split('/').some((seg) => SKIPPED_DIRECTORIES.has(seg))) return false;
  const b = base(path);
  return (
    ['pom.xml', 'package.json', 'package-lock.json', 'build.gradle', 'build.gradle.kts', 'gradle.properties'].includes(b) ||
    path === 'gradle/libs.versions.toml' ||
    /^Dockerfile([.-][\w.-]+)?$/.test(b) ||
    b.endsWith('.dockerfile') ||
    (JDK_VERSION_FILES as readonly string[]).includes(b) ||
    isAgentCandidate(path)
  );
}

/** Runs every extractor over a repository; an unreadable manifest becomes an error (file, line), the rest goes on. */
export function extractComponents(tree: FileTree): ExtractionResult {
  const errors: ManifestError[] = [];
  const onError = (file: string, err: unknown) => {
    if (err instanceof ManifestInputError) errors.push({ file: err.file, line: err.line, message: err.reason });
    else if (isShipshapeError(err) && typeof err.details['line'] === 'number') errors.push({ file, line: err.details['line'], message: err.message });
    else errors.push({ file, line: 1, message: err instanceof Error ? err.message : String(err) });
  };
  const poms = tree.files.filter((f) => base(f) === 'pom.xml');
  const packageJsons = tree.files.filter((f) => base(f) === 'package.json');
  const gradleScripts = tree.files.filter((f) => base(f) === 'build.gradle' || base(f) === 'build.gradle.kts');
  const dockerfiles = tree.files.filter((f) => /^Dockerfile([.-][\w.-]+)?$/.test(base(f)) || base(f).endsWith('.dockerfile'));
  const jdkFiles = tree.files.filter((f) => (JDK_VERSION_FILES as readonly string[]).includes(base(f)));
  const agentFiles = tree.files.filter(isAgentCandidate);
  const components: ComponentDeclaration[] = [
    ...extractMaven(tree, poms, onError),
    ...extractNpm(tree, packageJsons, onError),
    ...(gradleScripts.length ? extractGradle(tree, gradleScripts, onError) : []),
  ];
  const perFile = (files: readonly string[], fn: (path: string, content: string) => ComponentDeclaration[]) => {
    for (const f of files) {
      try {
        components.push(...fn(f, tree.read(f)));
      } catch (err) {
        onError(f, err);
      }
    }
  };
  perFile(dockerfiles, extractDockerfile);
  perFile(jdkFiles, extractJdkVersionFile);
  perFile(agentFiles, extractJavaAgents);
  const manifests = [...new Set([
    ...poms, ...packageJsons, ...tree.files.filter((f) => base(f) === 'package-lock.json'), ...gradleScripts,
    ...tree.files.filter((f) => f === 'gradle/libs.versions.toml' || base(f) === 'gradle.properties'),
    ...dockerfiles, ...jdkFiles, ...agentFiles,
  ])].sort();
  return { components, errors, manifests };
}
