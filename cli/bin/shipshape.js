#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
// Plain dispatcher: imports no service, runs each service's compiled CLI in a child process.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..', '..');
const COMMANDS = {
  recipe: { service: 'change-service', entry: 'services/change-service/dist/cli.js' },
  inventory: { service: 'detection-service', entry: 'services/detection-service/dist/cli.js' },
};
const USAGE = `Usage: shipshape <command> …
  recipe run <dir> (--rules <file> | --recipe <kind> --option k=v …) [--dry-run] [--json]
  recipe list [--json]
  inventory …   (detection-service's command line)`;

const [command, ...rest] = process.argv.slice(2);
const target = COMMANDS[command];
if (!target) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(command === undefined || command === '--help' || command === '-h' ? 0 : 2);
}
const entry = join(root, target.entry);
if (!existsSync(entry)) {
  const srcCli = join(root, 'services', target.service, 'src', 'cli.ts');
  process.stderr.write(
    existsSync(srcCli)
      ? `${target.service}'s command line is not built (${target.entry} is missing): run \`npm run build\` first\n`
      : `${target.service}'s command line is not available yet (no ${target.entry}); run \`npm run build\` if it was added since\n`,
  );
  process.exit(1);
}
const result = spawnSync(process.execPath, [entry, command, ...rest], { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
