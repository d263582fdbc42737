import { Client } from 'pg';
import { ServiceKitError } from '../errors';
import { redactUrl } from './database-url';

/** 42P04 duplicate_database; 23505 unique_violation (two CREATE DATABASE racing on pg_database's index). */
const ALREADY_EXISTS = new Set(['42P04', '23505']);

/**
 * Creates the database on the server if it does not exist. Idempotent and safe when several
 * processes race (the loser sees "already exists" and carries on).
 */
export async function ensureDatabase(serverUrl: string, name: string): Promise<'created' | 'exists'> {
  const client = new Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000, application_name: 'shipshape-service-kit' });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new ServiceKitError('SERVICE_KIT.DATABASE_UNREACHABLE', `cannot connect to the Postgres server at ${redactUrl(serverUrl)}`, { server: redactUrl(serverUrl) }, { cause: err });
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return 'exists';
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return 'created';
    } catch (err) {
      if (ALREADY_EXISTS.has((err as { code?: string }).code ?? '')) return 'exists';
      throw new ServiceKitError('SERVICE_KIT.DATABASE_CREATE_FAILED', `cannot create database ${name}`, { database: name }, { cause: err });
    }
  } finally {
    await client.end();
  }
}
