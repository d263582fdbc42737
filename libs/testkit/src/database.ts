import { Client } from 'pg';
import { getTestInfra } from './get-test-infra';
import { databaseUrlFor, uniqueDatabaseName } from './names';

export interface TestDatabase {
  readonly name: string;
  /** URL of the new database. */
  readonly url: string;
  /** URL of the server it lives on (what DATABASE_URL holds). */
  readonly serverUrl: string;
  /** Drops the database, closing whatever connections are left. Safe to call twice. */
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Server URL; defaults to getTestInfra().databaseUrl. */
  readonly serverUrl?: string;
  /** false = only reserve the name (for code under test that creates the database itself). Default true. */
  readonly create?: boolean;
}

async function onServer<T>(serverUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A uniquely named database on the test Postgres server, with a drop() for afterAll. */
export async function createTestDatabase(prefix: string, options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? (await getTestInfra()).databaseUrl;
  const name = uniqueDatabaseName(prefix);
  if (options.create !== false) {
    await onServer(serverUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  }
  return {
    name,
    url: databaseUrlFor(serverUrl, name),
    serverUrl,
    drop: () => onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`)).then(() => undefined),
  };
}
