import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where `npm run stack:up` writes the local stack's KAFKA_BROKERS and DATABASE_URL. */
export const STACK_ENV_FILE = path.resolve(__dirname, '../../../.local/stack.env');

/** The `export NAME=value` lines of a stack env file; an absent file gives {}. */
export function readStackEnv(file: string = STACK_ENV_FILE): Record<string, string> {
  if (!existsSync(file)) return {};
  const vars: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    vars[match[1]!] = match[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}
