/**
 * Creates one database per service (contracts SERVICES[].database) on a Postgres server, if missing.
 *   tsx scripts/stack/databases.ts --url postgres://postgres@127.0.0.1:5432/postgres [--probe]
 * --probe only checks that the server answers (exit 0) or not (exit 1).
 */
import { SERVICES } from '@shipshape/contracts';
import { Client } from 'pg';
import { errorMessage, parseArgs, required, runMain } from './cli';

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

async function main(): Promise<void> {
  const args = parseArgs();
  const url = required(args, 'url', 'DATABASE_URL');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot connect to Postgres at ${redact(url)}: ${errorMessage(err)}`);
  }
  try {
    if (args.has('probe')) return;
    let created = 0;
    for (const s of SERVICES) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [s.database]);
      if (found.rowCount) continue;
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(s.database)}`);
        created++;
      } catch (err) {
        // 42P04 duplicate_database: a concurrent run created it first.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
    process.stdout.write(`databases: ${created} created, ${SERVICES.length - created} already present (${SERVICES.map((s) => s.database).join(', ')})\n`);
  } finally {
    await client.end();
  }
}

runMain(main, 'databases');
