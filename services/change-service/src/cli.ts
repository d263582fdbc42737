import { runRecipeCli, USAGE } from './cli/recipe-command';

/** change-service's command line (no stack needed): `node dist/cli.js recipe …`. */
async function main(argv: string[]): Promise<number> {
  const io = { out: (t: string) => process.stdout.write(`${t}\n`), err: (t: string) => process.stderr.write(`${t}\n`) };
  const [group, ...rest] = argv;
  if (group === 'recipe') return runRecipeCli(rest, io);
  io.err(USAGE);
  return 2;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
