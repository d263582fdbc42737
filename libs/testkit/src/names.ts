import { randomBytes } from 'node:crypto';

const POSTGRES_IDENTIFIER_MAX = 63;
const KAFKA_TOPIC_MAX = 249;

function suffix(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/** A fresh, valid Postgres database name: lower-case [a-z0-9_], at most 63 characters, `<prefix>_<unique>`. */
export function uniqueDatabaseName(prefix: string): string {
  const tail = suffix();
  let head = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[a-z_]/.test(head)) head = `t_${head}`;
  head = head.slice(0, POSTGRES_IDENTIFIER_MAX - tail.length - 1);
  return `${head}_${tail}`;
}

/** A fresh, valid Kafka topic name: [a-zA-Z0-9._-], `<prefix>.<unique>`. */
export function uniqueTopic(prefix: string): string {
  const tail = suffix();
  const head = prefix.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, KAFKA_TOPIC_MAX - tail.length - 1) || 'test';
  return `${head}.${tail}`;
}

/** The same server URL with another database in its path. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
