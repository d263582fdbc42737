/**
 * Generates contracts/src/generated/* from contracts/schemas/<EventType>/v<N>.avsc.
 *   npx tsx contracts/scripts/codegen.ts           write the generated files
 *   npx tsx contracts/scripts/codegen.ts --check   exit 1, naming each stale file, when they differ
 *   --root <dir>                                   another contracts folder (tests use a copy)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CodegenError, GENERATED_DIR, generate } from './codegen.generator';

const args = process.argv.slice(2);
const check = args.includes('--check');
const rootIndex = args.indexOf('--root');
const contractsRoot = rootIndex >= 0 && args[rootIndex + 1] ? resolve(args[rootIndex + 1]!) : resolve(__dirname, '..');

/** Paths as the user can open them from where they ran the command. */
function show(path: string): string {
  return relative(process.cwd(), join(contractsRoot, path)) || path;
}

function main(): number {
  let files;
  try {
    files = generate(contractsRoot);
  } catch (error) {
    if (error instanceof CodegenError) {
      console.error(`codegen: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const expected = new Set(files.map((f) => f.path));
  const generatedDir = join(contractsRoot, GENERATED_DIR);
  const leftovers = existsSync(generatedDir)
    ? readdirSync(generatedDir)
        .filter((name) => name.endsWith('.generated.ts'))
        .map((name) => `${GENERATED_DIR}/${name}`)
        .filter((path) => !expected.has(path))
    : [];

  if (check) {
    const stale: string[] = [];
    for (const file of files) {
      const target = join(contractsRoot, file.path);
      const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
      if (current === undefined) stale.push(`${show(file.path)} is missing`);
      else if (current !== file.content) stale.push(`${show(file.path)} is stale (differs from what the schemas generate)`);
    }
    for (const path of leftovers) stale.push(`${show(path)} is not generated from any schema`);
    if (stale.length > 0) {
      for (const line of stale) console.error(`codegen: ${line}`);
      console.error('codegen: run `npm run codegen` and commit the result');
      return 1;
    }
    console.log(`codegen: ${files.length} generated files are up to date`);
    return 0;
  }

  for (const file of files) {
    const target = join(contractsRoot, file.path);
    mkdirSync(dirname(target), { recursive: true });
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (current !== file.content) {
      writeFileSync(target, file.content);
      console.log(`codegen: wrote ${show(file.path)}`);
    }
  }
  for (const path of leftovers) {
    rmSync(join(contractsRoot, path));
    console.log(`codegen: removed ${show(path)}`);
  }
  console.log(`codegen: ${files.length} generated files up to date`);
  return 0;
}

process.exitCode = main();
