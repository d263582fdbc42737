#!/usr/bin/env node
import { runInventoryCommand } from './cli/inventory-command';

/** detection-service's command line; the `shipshape` dispatcher runs it as `cli.js inventory …`. Needs no stack. */
const [command, ...rest] = process.argv.slice(2);
const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
if (command !== 'inventory') {
  io.stderr('Usage: cli.js inventory scan <dir> [--json]\n');
  process.exitCode = 2;
} else {
  void runInventoryCommand(rest, io).then((code) => {
    process.exitCode = code;
  });
}
